"""The demo organisation, Maison Lefort (a French home-and-garden retailer), as plain data.

Nothing here touches the database: ``seed.py`` loads it through the service functions.
Times are offsets in days before the moment the seed runs, so the history always looks recent.
"""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "demo"  # noqa: S105  (the documented password of the demo accounts)
EMAIL_DOMAIN = "demo.reciproque.fr"

ADMIN = {"email": f"admin@{EMAIL_DOMAIN}", "name": "Claire Vasseur (administratrice)"}


def _person(first: str, last: str, login: str) -> dict[str, str]:
    return {"name": f"{first} {last}", "email": f"{login}@{EMAIL_DOMAIN}"}


# code, name, heads, members
DEPARTMENTS: list[dict[str, Any]] = [
    {
        "code": "LOG",
        "name": "Logistique",
        "heads": [_person("Hélène", "Marchand", "helene.marchand")],
        "members": [
            _person("Karim", "Benali", "karim.benali"),
            _person("Julie", "Roux", "julie.roux"),
        ],
    },
    {
        "code": "MAG",
        "name": "Magasins",
        "heads": [
            _person("Thomas", "Garnier", "thomas.garnier"),
            _person("Sandrine", "Petit", "sandrine.petit"),
        ],
        "members": [
            _person("Lucas", "Moreau", "lucas.moreau"),
            _person("Chloé", "Lambert", "chloe.lambert"),
            _person("Mehdi", "Saïdi", "mehdi.saidi"),
        ],
    },
    {
        "code": "SCL",
        "name": "Service client",
        "heads": [_person("Nadia", "Haddad", "nadia.haddad")],
        "members": [
            _person("Romain", "Girard", "romain.girard"),
            _person("Inès", "Fontaine", "ines.fontaine"),
        ],
    },
    {
        "code": "DSI",
        "name": "DSI",
        "heads": [_person("Philippe", "Caron", "philippe.caron")],
        "members": [
            _person("Yann", "Le Goff", "yann.legoff"),
            _person("Sarah", "Cohen", "sarah.cohen"),
        ],
    },
    {
        "code": "ACH",
        "name": "Achats",
        "heads": [_person("Isabelle", "Vidal", "isabelle.vidal")],
        "members": [_person("Mathieu", "Perrin", "mathieu.perrin")],
    },
    {
        "code": "MKT",
        "name": "Marketing",
        "heads": [_person("Camille", "Dubois", "camille.dubois")],
        "members": [_person("Léa", "Bertrand", "lea.bertrand")],
    },
    {
        "code": "RH",
        "name": "Ressources humaines",
        "heads": [_person("Valérie", "Masson", "valerie.masson")],
        "members": [_person("Antoine", "Mercier", "antoine.mercier")],
    },
    {
        "code": "ECOM",
        "name": "E-commerce",
        "heads": [
            _person("Julien", "Faure", "julien.faure"),
            _person("Aurélie", "Noël", "aurelie.noel"),
        ],
        "members": [
            _person("Manon", "Blanc", "manon.blanc"),
            _person("Hugo", "Chevalier", "hugo.chevalier"),
        ],
    },
    {
        "code": "FIN",
        "name": "Finance",
        "heads": [_person("Bernard", "Lefèvre", "bernard.lefevre")],
        "members": [_person("Élodie", "Rousseau", "elodie.rousseau")],
    },
]

# Keys of the end-customer criteria, used by the charters below.
RUPTURE = "Taux de rupture en rayon"
LIVRAISON = "Livraison à domicile à l'heure"
FCR = "Résolution au premier contact"
NPS = "Net Promoter Score"
DISPO = "Disponibilité du site marchand"
REMBOURSEMENT = "Délai de remboursement client"

CRITERIA: list[dict[str, Any]] = [
    {
        "name": RUPTURE,
        "definition": (
            "Part des références de l'assortiment permanent absentes du rayon à l'ouverture du "
            "magasin, relevée chaque semaine par inventaire tournant sur un échantillon de 300 "
            "références par magasin."
        ),
        "unit": "%",
        "direction": "lower_is_better",
        "target": 3.0,
    },
    {
        "name": LIVRAISON,
        "definition": (
            "Part des commandes web livrées au domicile du client dans le créneau de deux heures "
            "choisi à la commande, d'après la preuve de livraison horodatée du transporteur."
        ),
        "unit": "%",
        "direction": "higher_is_better",
        "target": 95.0,
    },
    {
        "name": FCR,
        "definition": (
            "Part des demandes clients (téléphone, chat, e-mail, accueil magasin) résolues sans "
            "rappel ni nouvelle demande sur le même sujet dans les 7 jours qui suivent."
        ),
        "unit": "%",
        "direction": "higher_is_better",
        "target": 80.0,
    },
    {
        "name": NPS,
        "definition": (
            "Part des clients promoteurs (note 9 ou 10) moins part des détracteurs (note 0 à 6) à "
            "la question « Recommanderiez-vous Maison Lefort à un proche ? », enquête envoyée "
            "48 h après l'achat en magasin ou la livraison."
        ),
        "unit": "points",
        "direction": "higher_is_better",
        "target": 45.0,
    },
    {
        "name": DISPO,
        "definition": (
            "Part du temps où un client peut chercher un produit, le mettre au panier et payer sur "
            "le site et l'application, mesurée par une sonde synthétique toutes les minutes."
        ),
        "unit": "%",
        "direction": "higher_is_better",
        "target": 99.9,
    },
    {
        "name": REMBOURSEMENT,
        "definition": (
            "Nombre moyen de jours calendaires entre le retour d'un article (magasin ou entrepôt) "
            "et le remboursement visible sur le moyen de paiement du client."
        ),
        "unit": "jours",
        "direction": "lower_is_better",
        "target": 5.0,
    },
]


def c(
    title: str,
    service_standard: str,
    indicator: str,
    target: str,
    unit: str,
    measurement_method: str,
    measurement_frequency: str,
    customer_impact: str,
) -> dict[str, str]:
    """One commitment, with the fields in the order a head fills them in."""
    return {
        "title": title,
        "service_standard": service_standard,
        "indicator": indicator,
        "target": target,
        "unit": unit,
        "measurement_method": measurement_method,
        "measurement_frequency": measurement_frequency,
        "customer_impact": customer_impact,
    }


# Each charter: the two sides (A opens it), the shared criterion, the cadence, the status the
# signing and reviews features will bring it to, each side's commitments, the discussion,
# later edits (so histories exist) and, for signed ones, notes of past reviews.
# "on" in a comment or an edit is (side, index of the commitment on that side, in the order
# written). An edit changes commitment "fields", moves it ("move": -1 is one place up) or
# changes the charter's own fields ("charter").
CHARTERS: list[dict[str, Any]] = [
    {
        "title": "Logistique ⇄ Magasins : des rayons pleins",
        # Opened under a working title, renamed once both sides agreed on the goal.
        "opened_as": "Logistique ⇄ Magasins",
        "a": "LOG",
        "b": "MAG",
        "criterion": RUPTURE,
        "cadence": 3,
        "status": "active",
        # Its first measured commitment missed its last two periods: the early warning shows;
        # it depends on the stores ordering on time, which is why it missed at its reviews.
        "readings_streak": True,
        "prerequisites": [(("a", 0), ("b", 1))],
        "opened_days_ago": 220,
        "commitments_a": [
            c(
                "Livraisons des magasins à l'heure",
                "Livrer chaque magasin dans le créneau de réception convenu (6 h – 8 h), avant "
                "l'ouverture, du lundi au samedi.",
                "Part des livraisons arrivées dans le créneau de réception",
                "97",
                "%",
                "Heure d'arrivée du camion scannée au quai du magasin, comparée au créneau du "
                "plan de transport.",
                "Hebdomadaire",
                "Une palette arrivée avant l'ouverture est en rayon quand le client entre : "
                "c'est la première cause de rupture que nous supprimons.",
            ),
            c(
                "Commandes préparées complètes",
                "Préparer les commandes de réassort sans manquant ni erreur de référence.",
                "Taux de service ligne (lignes livrées complètes / lignes commandées)",
                "98,5",
                "%",
                "Bons de préparation de l'entrepôt rapprochés des réceptions validées en magasin.",
                "Hebdomadaire",
                "Chaque ligne manquante est une référence que le client ne trouvera pas en rayon "
                "le lendemain.",
            ),
            c(
                "Alerte rupture entrepôt",
                "Prévenir les directeurs de magasin la veille avant 14 h de toute référence "
                "qui ne pourra pas être livrée, avec la date de retour prévue.",
                "Part des manquants annoncés la veille",
                "90",
                "%",
                "Alertes envoyées depuis le WMS comparées aux manquants constatés à la réception.",
                "Mensuelle",
                "Le magasin peut proposer un produit de substitution ou prévenir le client au "
                "lieu de le laisser devant un rayon vide.",
            ),
        ],
        "commitments_b": [
            c(
                "Commandes de réassort passées à l'heure",
                "Valider les commandes de réassort dans l'outil avant 11 h la veille de la "
                "livraison.",
                "Part des commandes validées avant 11 h",
                "95",
                "%",
                "Horodatage de validation dans l'outil de réapprovisionnement.",
                "Hebdomadaire",
                "Une commande à l'heure part dans la bonne vague de préparation et arrive en "
                "rayon le lendemain matin.",
            ),
            c(
                "Réception et mise en rayon sous 24 h",
                "Réceptionner chaque livraison dans l'outil et mettre la marchandise en rayon "
                "dans les 24 h qui suivent son arrivée.",
                "Délai moyen entre arrivée au quai et mise en rayon",
                "24",
                "heures",
                "Scan de réception et scan de mise en rayon des palettes échantillonnées.",
                "Mensuelle",
                "Un produit en réserve n'existe pas pour le client : il doit être en rayon.",
            ),
            c(
                "Stocks fiables",
                "Corriger sous 48 h tout écart de stock signalé par l'inventaire tournant.",
                "Taux de fiabilité du stock théorique",
                "95",
                "%",
                "Écarts entre stock informatique et comptage physique sur l'échantillon tournant.",
                "Mensuelle",
                "Un stock faux bloque le réassort automatique : le rayon se vide sans que "
                "personne ne commande.",
            ),
        ],
        "comments": [
            {
                "by": "thomas.garnier",
                "on": ("a", 0),
                "days_after": 2,
                "body": "Le créneau 6 h – 8 h ne tient pas pour Lyon Part-Dieu, la livraison "
                "est interdite avant 7 h dans la rue piétonne. On peut prévoir une exception ?",
                "resolved_by": "helene.marchand",
            },
            {
                "by": "helene.marchand",
                "on": ("a", 0),
                "days_after": 3,
                "body": "Oui : pour Part-Dieu le créneau devient 7 h – 8 h 30, je l'ajoute au "
                "plan de transport. L'indicateur reste le même.",
                "resolved_by": None,
            },
            {
                "by": "sandrine.petit",
                "on": None,
                "days_after": 5,
                "body": "D'accord sur l'ensemble. On garde une revue trimestrielle, avec le taux "
                "de rupture de la semaine précédente sous les yeux.",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "helene.marchand",
                "on": ("a", 1),
                "days_after": 4,
                "fields": {"target": "98,5"},
                "note": "cible relevée de 98 à 98,5 après discussion",
            },
            {
                "by": "thomas.garnier",
                "on": ("b", 1),
                "days_after": 4,
                "fields": {
                    "measurement_method": "Scan de réception et scan de mise en rayon des "
                    "palettes échantillonnées (10 palettes par magasin et par semaine)."
                },
            },
            {
                # Stock accuracy first: without it, nothing else on this side works.
                "by": "sandrine.petit",
                "on": ("b", 2),
                "days_after": 5,
                "move": -2,
            },
            {
                "by": "sandrine.petit",
                "days_after": 5,
                "charter": {"title": "Logistique ⇄ Magasins : des rayons pleins"},
            },
        ],
        "reviews": [
            {
                "days_ago": 130,
                "criterion_value": 4.1,
                "satisfaction_a": 3,
                "satisfaction_b": 3,
                "decision": "continue",
                "notes": "Livraisons à l'heure à 95 %, retards concentrés sur le lundi. Les "
                "commandes tardives du samedi pénalisent la vague du dimanche soir.",
            },
            {
                "days_ago": 40,
                "criterion_value": 3.2,
                "satisfaction_a": 4,
                "satisfaction_b": 4,
                "decision": "continue",
                "notes": "Rupture en baisse de près d'un point. Irritant : les alertes rupture "
                "arrivent encore par e-mail et se perdent ; passer par l'outil de réassort.",
            },
        ],
    },
    {
        "title": "Logistique ⇄ E-commerce : livrer dans le créneau promis",
        "a": "ECOM",
        "b": "LOG",
        "criterion": LIVRAISON,
        "cadence": 1,
        "status": "active",
        "opened_days_ago": 150,
        "commitments_a": [
            c(
                "Prévision des volumes web",
                "Transmettre chaque jeudi la prévision de commandes web de la semaine suivante, "
                "par jour et par zone de livraison, opérations commerciales comprises.",
                "Écart entre volume prévu et volume réel",
                "10",
                "% d'écart maximum",
                "Prévision du jeudi comparée aux commandes réellement passées.",
                "Hebdomadaire",
                "Des volumes connus à l'avance, ce sont des tournées dimensionnées et des créneaux "
                "tenus.",
            ),
            c(
                "Créneaux ouverts selon la capacité",
                "N'ouvrir à la vente que les créneaux de livraison que la logistique a confirmés "
                "dans l'outil de capacité.",
                "Commandes vendues au-delà de la capacité confirmée",
                "0",
                "commande",
                "Rapprochement quotidien des créneaux vendus et de la capacité publiée.",
                "Quotidienne",
                "Ne pas promettre au client un créneau que personne ne peut tenir.",
            ),
        ],
        "commitments_b": [
            c(
                "Commandes expédiées le jour même",
                "Préparer et remettre au transporteur le jour même toute commande passée avant "
                "14 h.",
                "Part des commandes d'avant 14 h expédiées le jour même",
                "98",
                "%",
                "Horodatage de la commande et du scan de remise au transporteur.",
                "Quotidienne",
                "Une commande partie le jour même est livrée dans le créneau choisi.",
            ),
            c(
                "Suivi en temps réel des tournées",
                "Transmettre au site la position des tournées et l'heure d'arrivée estimée, "
                "mise à jour toutes les 15 minutes.",
                "Part des livraisons avec une heure d'arrivée estimée à jour",
                "95",
                "%",
                "Journal des mises à jour reçues par l'API de suivi.",
                "Mensuelle",
                "Un client qui sait quand le livreur arrive est chez lui au bon moment.",
            ),
            c(
                "Retard annoncé avant le créneau",
                "Prévenir le client par SMS au moins une heure avant le début du créneau quand la "
                "livraison ne pourra pas le tenir, avec un nouveau créneau proposé.",
                "Part des retards annoncés au moins une heure avant",
                "90",
                "%",
                "SMS envoyés comparés aux livraisons hors créneau.",
                "Mensuelle",
                "Un retard annoncé et replanifié ne se transforme pas en livraison manquée.",
            ),
        ],
        "comments": [
            {
                "by": "helene.marchand",
                "on": ("a", 0),
                "days_after": 1,
                "body": "Pendant les soldes la prévision doit être mise à jour le lundi aussi, "
                "sinon on dimensionne à l'aveugle.",
                "resolved_by": "julien.faure",
            },
            {
                "by": "manon.blanc",
                "on": ("b", 2),
                "days_after": 2,
                "body": "Le texte du SMS de retard est-il validé par le Service client ?",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "julien.faure",
                "on": ("a", 0),
                "days_after": 2,
                "fields": {
                    "service_standard": "Transmettre chaque jeudi la prévision de commandes web "
                    "de la semaine suivante, par jour et par zone de livraison, opérations "
                    "commerciales comprises ; la mettre à jour le lundi en période de soldes."
                },
            },
        ],
        "reviews": [
            {
                "days_ago": 90,
                "criterion_value": 91.5,
                "satisfaction_a": 3,
                "satisfaction_b": 4,
                "decision": "continue",
                "notes": "Créneaux vendus au-delà de la capacité pendant l'opération « Jardin » : "
                "à interdire dans l'outil.",
            },
            {
                "days_ago": 60,
                "criterion_value": 93.0,
                "satisfaction_a": 4,
                "satisfaction_b": 4,
                "decision": "continue",
                "notes": "Suivi en temps réel en place sur 80 % des tournées.",
            },
            {
                "days_ago": 30,
                "criterion_value": 94.6,
                "satisfaction_a": 4,
                "satisfaction_b": 5,
                "decision": "continue",
                "notes": "Presque à la cible. Prochaine étape : les SMS de retard.",
            },
        ],
    },
    {
        "title": "Service client ⇄ Magasins : une réponse dès le premier contact",
        "a": "SCL",
        "b": "MAG",
        "criterion": FCR,
        "cadence": 3,
        "status": "awaiting_signatures",
        "opened_days_ago": 35,
        "commitments_a": [
            c(
                "Demandes magasin traitées sous 48 h",
                "Répondre sous 48 h ouvrées à toute demande d'un magasin concernant un client "
                "(commande, litige, garantie).",
                "Part des demandes magasin closes sous 48 h ouvrées",
                "95",
                "%",
                "Horodatages des tickets de la file « Magasins » dans l'outil de relation client.",
                "Mensuelle",
                "Le vendeur a la réponse pendant que le client est encore là, au lieu de le "
                "rappeler.",
            ),
            c(
                "Fiches réponses à jour",
                "Publier et tenir à jour les fiches réponses des 30 questions les plus posées "
                "en magasin (retours, garanties, livraison).",
                "Part des 30 fiches relues depuis moins de 3 mois",
                "100",
                "%",
                "Date de dernière relecture dans la base de connaissances.",
                "Trimestrielle",
                "Le même bon renseignement au téléphone et en caisse : pas de deuxième appel.",
            ),
        ],
        "commitments_b": [
            c(
                "Demandes transmises complètes",
                "Transmettre au Service client les demandes avec le numéro de commande, les "
                "coordonnées du client et une photo quand un produit est abîmé.",
                "Part des demandes renvoyées au magasin pour complément",
                "5",
                "% au plus",
                "Tickets repassés au statut « en attente magasin ».",
                "Mensuelle",
                "Une demande complète se règle en une fois, sans rappeler le client.",
            ),
            c(
                "Un référent relation client par magasin",
                "Désigner dans chaque magasin un référent relation client, joignable aux heures "
                "d'ouverture, et tenir la liste à jour.",
                "Part des magasins avec un référent joignable",
                "100",
                "%",
                "Liste des référents et appels tests du Service client.",
                "Trimestrielle",
                "Quand le Service client a besoin d'une vérification en magasin, il l'obtient "
                "pendant l'appel du client.",
            ),
            c(
                "Retours acceptés en magasin",
                "Accepter en magasin le retour de tout article acheté en ligne, sans renvoyer le "
                "client vers le Service client.",
                "Nombre de réclamations « retour refusé en magasin »",
                "0",
                "par mois",
                "Motifs de contact codés dans l'outil de relation client.",
                "Mensuelle",
                "Le client règle son retour là où il est, en une seule visite.",
            ),
        ],
        "comments": [
            {
                "by": "sandrine.petit",
                "on": ("a", 0),
                "days_after": 2,
                "body": "48 h ouvrées, c'est encore long pour un client qui attend en caisse. "
                "Peut-on avoir une ligne prioritaire pour les cas urgents ?",
                "resolved_by": None,
            },
            {
                "by": "nadia.haddad",
                "on": None,
                "days_after": 6,
                "body": "Version prête à signer de notre côté.",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "nadia.haddad",
                "on": ("a", 1),
                "days_after": 3,
                "fields": {"title": "Fiches réponses à jour et partagées"},
            },
        ],
        "reviews": [],
    },
    {
        "title": "DSI ⇄ E-commerce : un site toujours ouvert",
        "a": "DSI",
        "b": "ECOM",
        "criterion": DISPO,
        "cadence": 1,
        "status": "active",
        "opened_days_ago": 180,
        "commitments_a": [
            c(
                "Disponibilité du parcours d'achat",
                "Garantir que recherche, panier et paiement fonctionnent 24 h/24, hors fenêtre "
                "de maintenance du mardi 2 h – 4 h.",
                "Disponibilité mesurée du parcours d'achat",
                "99,9",
                "%",
                "Sonde synthétique qui rejoue un achat complet toutes les minutes.",
                "Mensuelle",
                "C'est exactement le critère : un client qui ne peut pas payer part chez un "
                "concurrent.",
            ),
            c(
                "Incident majeur pris en charge sous 15 minutes",
                "Prendre en charge tout incident bloquant le paiement en moins de 15 minutes, "
                "jour et nuit, avec un point d'étape toutes les 30 minutes.",
                "Délai médian de prise en charge des incidents P1",
                "15",
                "minutes",
                "Horodatages de l'outil d'astreinte.",
                "Mensuelle",
                "Moins de minutes d'indisponibilité, moins de paniers abandonnés.",
            ),
            c(
                "Mises en production sans régression",
                "Tester le parcours d'achat complet avant chaque mise en production et pouvoir "
                "revenir en arrière en moins de 10 minutes.",
                "Part des mises en production sans incident dans les 24 h",
                "95",
                "%",
                "Rapprochement du calendrier des mises en production et des incidents.",
                "Mensuelle",
                "Une nouveauté ne doit jamais empêcher un client d'acheter.",
            ),
        ],
        "commitments_b": [
            c(
                "Calendrier des temps forts",
                "Communiquer à la DSI au moins 3 semaines à l'avance les temps forts commerciaux "
                "et le trafic attendu.",
                "Part des temps forts annoncés 3 semaines avant",
                "100",
                "%",
                "Calendrier partagé comparé aux opérations réalisées.",
                "Trimestrielle",
                "La DSI dimensionne les serveurs avant que les clients n'arrivent.",
            ),
            c(
                "Gel des changements en période de pointe",
                "Ne demander aucune modification du site dans les 48 h qui précèdent un temps "
                "fort, sauf correctif urgent.",
                "Nombre de demandes de changement pendant les périodes de gel",
                "0",
                "demande",
                "Demandes de changement enregistrées dans l'outil de la DSI.",
                "Trimestrielle",
                "Moins de changements pendant les pics, moins de pannes quand les clients sont là.",
            ),
        ],
        "comments": [
            {
                "by": "julien.faure",
                "on": ("a", 0),
                "days_after": 1,
                "body": "La fenêtre de maintenance du mardi tombe pendant les ventes privées "
                "nocturnes : on peut la déplacer ces semaines-là ?",
                "resolved_by": "philippe.caron",
            },
        ],
        "edits": [
            {
                "by": "philippe.caron",
                "on": ("a", 1),
                "days_after": 3,
                "fields": {"target": "15", "unit": "minutes"},
            },
        ],
        "reviews": [
            {
                "days_ago": 60,
                "criterion_value": 99.82,
                "satisfaction_a": 4,
                "satisfaction_b": 3,
                "decision": "continue",
                "notes": "Panne du prestataire de paiement le 14 : 47 minutes. Ajouter une "
                "bascule vers le second prestataire.",
            },
            {
                "days_ago": 30,
                "criterion_value": 99.95,
                "satisfaction_a": 4,
                "satisfaction_b": 4,
                "decision": "continue",
                "notes": "Cible tenue. Le gel des changements a été respecté pour le Black Friday.",
            },
        ],
    },
    {
        "title": "DSI ⇄ Service client : les bons outils pour répondre du premier coup",
        "a": "SCL",
        "b": "DSI",
        "criterion": FCR,
        "cadence": 3,
        "status": "draft",
        "opened_days_ago": 12,
        "commitments_a": [
            c(
                "Incidents outil décrits précisément",
                "Déclarer chaque incident de l'outil de relation client avec l'écran, l'heure et "
                "le nombre de conseillers touchés.",
                "Part des incidents déclarés complets",
                "90",
                "%",
                "Revue d'un échantillon de 20 tickets par mois.",
                "Mensuelle",
                "Un incident bien décrit est corrigé plus vite, et le conseiller peut de nouveau "
                "répondre au client pendant l'appel.",
            ),
            c(
                "Besoins priorisés par impact client",
                "Classer les demandes d'évolution de l'outil par le nombre de contacts clients "
                "qu'elles éviteraient.",
                "Part des demandes avec une estimation de contacts évités",
                "100",
                "%",
                "Champ « contacts évités » rempli dans le portefeuille de demandes.",
                "Trimestrielle",
                "La DSI travaille d'abord sur ce qui évite au client de rappeler.",
            ),
        ],
        "commitments_b": [
            c(
                "Vue client unique",
                "Afficher au conseiller sur un seul écran les commandes web et magasin, les "
                "livraisons et les retours du client.",
                "Part des contacts traités sans changer d'application",
                "85",
                "%",
                "Journal de navigation de l'outil de relation client.",
                "Trimestrielle",
                "Le conseiller voit tout et répond sans devoir rappeler le client.",
            ),
            c(
                "Outil de relation client disponible",
                "Garantir la disponibilité de l'outil de relation client de 8 h à 20 h du lundi "
                "au samedi.",
                "Disponibilité sur les heures d'ouverture",
                "99,5",
                "%",
                "Supervision de l'application.",
                "Mensuelle",
                "Sans outil, aucune demande n'est résolue au premier contact.",
            ),
        ],
        "comments": [
            {
                "by": "philippe.caron",
                "on": ("b", 0),
                "days_after": 2,
                "body": "La vue unique demande de brancher l'outil de caisse : pas avant le "
                "deuxième trimestre. On met une cible intermédiaire ?",
                "resolved_by": None,
            },
            {
                "by": "ines.fontaine",
                "on": None,
                "days_after": 3,
                "body": "Côté conseillers, le plus pénible aujourd'hui est la recherche par "
                "numéro de téléphone, qui ne trouve pas les clients magasin.",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "philippe.caron",
                "on": ("b", 1),
                "days_after": 2,
                "fields": {"target": "99,5"},
            },
        ],
        "reviews": [],
    },
    {
        "title": "Achats ⇄ Logistique : des fournisseurs qui livrent juste",
        "a": "ACH",
        "b": "LOG",
        "criterion": RUPTURE,
        "cadence": 6,
        "status": "draft",
        "opened_days_ago": 8,
        "commitments_a": [
            c(
                "Fournisseurs tenus au délai",
                "Inscrire dans chaque contrat fournisseur un taux de livraison à l'heure et "
                "complète de 95 %, avec pénalités.",
                "Taux de livraison fournisseurs à l'heure et complète (OTIF)",
                "95",
                "%",
                "Réceptions entrepôt comparées aux commandes fournisseurs.",
                "Mensuelle",
                "Un fournisseur en retard, c'est un rayon vide trois jours plus tard.",
            ),
            c(
                "Nouveautés annoncées à l'avance",
                "Communiquer à la Logistique les volumes des nouvelles références 6 semaines "
                "avant leur première livraison.",
                "Part des nouveautés annoncées 6 semaines avant",
                "90",
                "%",
                "Date de création de la référence comparée à la première réception.",
                "Trimestrielle",
                "L'entrepôt réserve la place et la nouveauté arrive en rayon le jour prévu.",
            ),
        ],
        "commitments_b": [
            c(
                "Réceptions fournisseurs sous 24 h",
                "Réceptionner et ranger toute livraison fournisseur dans les 24 h ouvrées.",
                "Part des réceptions rangées sous 24 h",
                "95",
                "%",
                "Scan d'arrivée au quai et scan de rangement.",
                "Mensuelle",
                "La marchandise reçue est aussitôt disponible pour réassortir les magasins.",
            ),
            c(
                "Litiges fournisseurs signalés sous 48 h",
                "Signaler aux Achats tout manquant ou produit abîmé à la réception sous 48 h, "
                "photos à l'appui.",
                "Part des litiges signalés sous 48 h",
                "95",
                "%",
                "Date de réception comparée à la date d'ouverture du litige.",
                "Mensuelle",
                "Les Achats obtiennent le remplacement avant que le rayon ne se vide.",
            ),
        ],
        "comments": [
            {
                "by": "helene.marchand",
                "on": ("a", 0),
                "days_after": 1,
                "body": "95 % OTIF pour tous les fournisseurs, y compris les petits producteurs "
                "locaux ? Il faudrait peut-être une cible différenciée.",
                "resolved_by": None,
            },
        ],
        "edits": [],
        # The negotiation in progress: what each side expects of the other and how it was
        # answered, a change proposed on the other side's commitment, and who agreed to what.
        "expectations": [
            {
                "side": "b",
                "days_after": 0.5,
                "text": "Connaître chaque semaine les livraisons fournisseurs prévues, jour par "
                "jour, pour dimensionner les équipes de quai.",
                "customer_reason": "Un quai saturé retarde le rangement, et le produit manque en "
                "rayon alors qu'il est déjà dans l'entrepôt.",
                "answer": [0],
            },
            {
                "side": "b",
                "days_after": 0.6,
                "text": "Des palettes fournisseurs étiquetées au standard GS1, scannables dès "
                "le quai.",
                "customer_reason": "Une palette qui se scanne est rangée sous 24 h, donc "
                "disponible pour réassortir les magasins.",
                "answer": None,
            },
            {
                "side": "a",
                "days_after": 1.2,
                "text": "Un inventaire tournant quotidien de l'entrepôt partagé avec les "
                "acheteurs.",
                "customer_reason": "Les acheteurs recommandent au bon moment et le rayon ne se "
                "vide pas.",
                "declined": "Pas avant la nouvelle version du WMS, en septembre : nous "
                "partagerons d'ici là l'inventaire hebdomadaire.",
            },
            {
                "side": "a",
                "days_after": 1.3,
                "text": "Signaler les litiges de réception avec les photos et le numéro de "
                "commande, pour les faire valoir auprès du fournisseur.",
                "customer_reason": "Un litige complet est remboursé ou remplacé avant que le "
                "rayon ne se vide.",
                "answer": [1],
            },
        ],
        "proposals": [
            {
                "by": "helene.marchand",
                "on": ("a", 0),
                "days_after": 1.1,
                "changes": {
                    "target": "92",
                    "service_standard": "Inscrire dans chaque contrat fournisseur un taux de "
                    "livraison à l'heure et complète de 92 % (85 % pour les producteurs "
                    "locaux), avec pénalités.",
                },
            },
        ],
        # Which lines the other side has agreed to (each side agrees to what it wrote).
        "agreements": [("b", [1]), ("a", [0, 1])],
        "reviews": [],
    },
    {
        "title": "Marketing ⇄ Magasins : des promotions qui tiennent leurs promesses",
        "a": "MKT",
        "b": "MAG",
        "criterion": NPS,
        "cadence": 3,
        "status": "ended",
        "opened_days_ago": 400,
        "commitments_a": [
            c(
                "Plan promotionnel partagé",
                "Communiquer aux magasins le plan promotionnel au moins 4 semaines avant chaque "
                "opération, avec les quantités prévues par magasin.",
                "Part des opérations communiquées 4 semaines avant",
                "100",
                "%",
                "Date de diffusion du plan comparée à la date de l'opération.",
                "Par opération",
                "Un client qui vient pour une promotion trouve le produit et repart content.",
            ),
            c(
                "Matériel de PLV livré à temps",
                "Livrer la PLV et les affiches au moins 5 jours avant l'opération.",
                "Part des magasins ayant reçu la PLV à J-5",
                "95",
                "%",
                "Accusés de réception des magasins.",
                "Par opération",
                "Le client voit l'offre en entrant : moins de déception, plus de recommandation.",
            ),
        ],
        "commitments_b": [
            c(
                "Opérations mises en place le jour J",
                "Installer les têtes de gondole et l'affichage de l'opération avant l'ouverture "
                "du premier jour.",
                "Part des magasins conformes à l'ouverture (photo)",
                "95",
                "%",
                "Photos envoyées par les magasins à 9 h le premier jour.",
                "Par opération",
                "Le client trouve en magasin ce que la publicité lui a promis.",
            ),
            c(
                "Retours terrain sous une semaine",
                "Remonter au Marketing sous une semaine après chaque opération les ventes et les "
                "remarques des clients.",
                "Part des magasins ayant fait leur retour",
                "80",
                "%",
                "Formulaire de retour d'opération.",
                "Par opération",
                "La prochaine opération est construite avec ce que les clients ont dit.",
            ),
        ],
        "comments": [
            {
                "by": "lucas.moreau",
                "on": ("a", 1),
                "days_after": 3,
                "body": "La PLV arrive souvent le vendredi pour une opération du samedi.",
                "resolved_by": "camille.dubois",
            },
        ],
        "edits": [
            {
                "by": "camille.dubois",
                "on": ("a", 1),
                "days_after": 4,
                "fields": {
                    "service_standard": "Livrer la PLV et les affiches au moins 5 jours avant "
                    "l'opération (et non la veille, comme cela arrive encore)."
                },
            },
        ],
        "reviews": [
            {
                "days_ago": 300,
                "criterion_value": 38.0,
                "satisfaction_a": 3,
                "satisfaction_b": 2,
                "decision": "continue",
                "notes": "PLV en retard dans un magasin sur quatre. Le Marketing change de "
                "prestataire d'impression.",
            },
            {
                "days_ago": 210,
                "criterion_value": 41.0,
                "satisfaction_a": 4,
                "satisfaction_b": 3,
                "decision": "continue",
                "notes": "Mieux. Les retours terrain restent rares (55 %).",
            },
            {
                "days_ago": 120,
                "criterion_value": 42.0,
                "satisfaction_a": 4,
                "satisfaction_b": 4,
                "decision": "end",
                "notes": "Les promotions passent sous le pilotage commun Marketing – E-commerce – "
                "Magasins : cette charte est remplacée par une charte à trois volets.",
            },
        ],
    },
    {
        "title": "Marketing ⇄ E-commerce : des campagnes qui mènent au bon produit",
        "a": "MKT",
        "b": "ECOM",
        "criterion": NPS,
        "cadence": 3,
        "status": "draft",
        "opened_days_ago": 20,
        "commitments_a": [
            c(
                "Campagnes validées avec le stock",
                "Ne lancer une campagne e-mail ou réseaux sociaux que sur des produits dont le "
                "stock web couvre au moins 3 jours de ventes prévues.",
                "Part des campagnes lancées sur un stock suffisant",
                "95",
                "%",
                "Stock web au lancement comparé à la prévision de ventes de la campagne.",
                "Mensuelle",
                "Le client qui clique trouve un produit disponible au lieu d'une page « épuisé ».",
            ),
            c(
                "Pression commerciale maîtrisée",
                "Limiter à deux e-mails commerciaux par semaine et par client.",
                "Nombre moyen d'e-mails commerciaux par client et par semaine",
                "2",
                "e-mails au plus",
                "Outil de routage des e-mails.",
                "Mensuelle",
                "Moins de sollicitations, moins de désabonnements et de clients agacés.",
            ),
        ],
        "commitments_b": [
            c(
                "Pages d'atterrissage prêtes à J-2",
                "Mettre en ligne et tester les pages d'atterrissage des campagnes 2 jours avant "
                "l'envoi.",
                "Part des pages prêtes à J-2",
                "95",
                "%",
                "Date de mise en ligne comparée à la date d'envoi.",
                "Mensuelle",
                "Le client arrive sur une page qui marche et qui parle de l'offre.",
            ),
            c(
                "Avis clients affichés",
                "Afficher les avis clients sur toutes les fiches produit mises en avant par une "
                "campagne.",
                "Part des produits de campagne avec avis affichés",
                "90",
                "%",
                "Contrôle des fiches produits avant envoi.",
                "Par campagne",
                "Des avis lisibles rassurent le client et évitent les achats déçus.",
            ),
        ],
        "comments": [
            {
                "by": "aurelie.noel",
                "on": ("a", 1),
                "days_after": 1,
                "body": "Deux e-mails, y compris les relances de panier abandonné ?",
                "resolved_by": None,
            },
            {
                "by": "camille.dubois",
                "on": ("a", 1),
                "days_after": 2,
                "body": "Non, les relances de panier sont transactionnelles, elles ne comptent "
                "pas. Je le précise dans le texte.",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "camille.dubois",
                "on": ("a", 1),
                "days_after": 2,
                "fields": {
                    "service_standard": "Limiter à deux e-mails commerciaux par semaine et par "
                    "client (les relances de panier abandonné ne comptent pas)."
                },
            },
        ],
        "reviews": [],
    },
    {
        "title": "Ressources humaines ⇄ Magasins : des équipes au complet pour servir",
        "a": "RH",
        "b": "MAG",
        "criterion": NPS,
        "cadence": 6,
        "status": "awaiting_signatures",
        "opened_days_ago": 25,
        "commitments_a": [
            c(
                "Postes pourvus sous 30 jours",
                "Pourvoir tout poste de vente ouvert en magasin en moins de 30 jours.",
                "Délai moyen de recrutement des postes de vente",
                "30",
                "jours",
                "Date d'ouverture et date d'arrivée dans le SIRH.",
                "Trimestrielle",
                "Un rayon avec un vendeur, c'est un client conseillé plutôt qu'un client qui "
                "cherche quelqu'un.",
            ),
            c(
                "Intégration des nouveaux vendeurs",
                "Former chaque nouveau vendeur deux jours aux produits et à l'accueil avant sa "
                "première journée seul en rayon.",
                "Part des nouveaux vendeurs formés avant leur première journée seul",
                "100",
                "%",
                "Feuilles d'émargement de la formation d'intégration.",
                "Trimestrielle",
                "Un vendeur formé répond juste, et le client recommande le magasin.",
            ),
            c(
                "Plannings renforcés aux pointes",
                "Fournir aux magasins chaque mois l'analyse de fréquentation par heure pour "
                "construire les plannings.",
                "Part des magasins ayant reçu l'analyse avant le 5 du mois",
                "100",
                "%",
                "Date d'envoi du rapport.",
                "Mensuelle",
                "Plus de vendeurs quand les clients sont là, moins d'attente en caisse.",
            ),
        ],
        "commitments_b": [
            c(
                "Besoins de recrutement anticipés",
                "Signaler aux RH tout départ ou besoin saisonnier au moins 6 semaines à l'avance.",
                "Part des besoins signalés 6 semaines avant",
                "80",
                "%",
                "Date de la demande comparée à la date de besoin.",
                "Trimestrielle",
                "Le remplaçant est là le jour où le rayon en a besoin.",
            ),
            c(
                "Entretiens annuels réalisés",
                "Réaliser l'entretien annuel de chaque collaborateur avant le 31 mars.",
                "Part des entretiens réalisés au 31 mars",
                "95",
                "%",
                "Campagne d'entretiens dans le SIRH.",
                "Annuelle",
                "Des équipes écoutées prennent mieux soin des clients.",
            ),
        ],
        "comments": [
            {
                "by": "thomas.garnier",
                "on": ("a", 0),
                "days_after": 2,
                "body": "30 jours, c'est bien, mais pour Noël il nous faut les saisonniers "
                "formés début novembre.",
                "resolved_by": "valerie.masson",
            },
            {
                "by": "valerie.masson",
                "on": None,
                "days_after": 4,
                "body": "J'ai ajouté l'analyse de fréquentation mensuelle demandée par les "
                "directeurs régionaux.",
                "resolved_by": None,
            },
        ],
        "edits": [
            {
                "by": "valerie.masson",
                "on": ("a", 1),
                "days_after": 3,
                "fields": {
                    "title": "Intégration des nouveaux vendeurs et des saisonniers",
                    "service_standard": "Former chaque nouveau vendeur, saisonniers compris, "
                    "deux jours aux produits et à l'accueil avant sa première journée seul en "
                    "rayon.",
                },
            },
        ],
        "reviews": [],
    },
    {
        "title": "Finance ⇄ Service client : rembourser vite et juste",
        "a": "SCL",
        "b": "FIN",
        "criterion": REMBOURSEMENT,
        "cadence": 3,
        "status": "active",
        "opened_days_ago": 160,
        "commitments_a": [
            c(
                "Remboursements validés le jour même",
                "Valider dans l'outil le jour même toute demande de remboursement dont le retour "
                "est réceptionné.",
                "Part des remboursements validés le jour de la réception du retour",
                "95",
                "%",
                "Date de réception du retour et date de validation du remboursement.",
                "Mensuelle",
                "Chaque jour gagné ici est un jour de moins d'attente pour le client.",
            ),
            c(
                "Motifs de remboursement codés",
                "Coder le motif de chaque remboursement selon la liste commune.",
                "Part des remboursements avec un motif codé",
                "98",
                "%",
                "Extraction mensuelle des remboursements.",
                "Mensuelle",
                "La Finance voit ce qui coûte et les causes des retours sont traitées.",
            ),
        ],
        "commitments_b": [
            c(
                "Virements émis sous 48 h",
                "Émettre le remboursement sur le moyen de paiement du client dans les 48 h "
                "ouvrées après sa validation.",
                "Part des remboursements émis sous 48 h ouvrées",
                "98",
                "%",
                "Date de validation et date d'émission dans l'outil de trésorerie.",
                "Mensuelle",
                "Le client voit son argent revenir en moins d'une semaine.",
            ),
            c(
                "Rejets bancaires traités sous 3 jours",
                "Traiter sous 3 jours ouvrés tout remboursement rejeté par la banque et prévenir "
                "le Service client.",
                "Délai moyen de traitement des rejets",
                "3",
                "jours",
                "Journal des rejets bancaires.",
                "Mensuelle",
                "Aucun client n'attend un remboursement qui n'arrivera jamais.",
            ),
            c(
                "Tableau de bord des remboursements",
                "Publier chaque lundi le délai moyen de remboursement par canal.",
                "Part des lundis où le tableau est publié",
                "100",
                "%",
                "Historique de publication.",
                "Hebdomadaire",
                "Les deux équipes voient ensemble où le client attend.",
            ),
        ],
        "comments": [
            {
                "by": "elodie.rousseau",
                "on": ("b", 0),
                "days_after": 2,
                "body": "Les remboursements sur carte cadeau sont instantanés : on les exclut "
                "de l'indicateur ?",
                "resolved_by": "bernard.lefevre",
            },
        ],
        "edits": [
            {
                "by": "bernard.lefevre",
                "on": ("b", 0),
                "days_after": 3,
                "fields": {
                    "indicator": "Part des remboursements émis sous 48 h ouvrées (hors cartes "
                    "cadeaux)"
                },
            },
        ],
        "reviews": [
            {
                "days_ago": 70,
                "criterion_value": 6.2,
                "satisfaction_a": 3,
                "satisfaction_b": 4,
                "decision": "continue",
                "notes": "Les retours reçus le vendredi attendent le lundi : prévoir une "
                "validation le samedi matin.",
            },
        ],
    },
    {
        "title": "E-commerce ⇄ Service client : des commandes web sans surprise",
        "a": "ECOM",
        "b": "SCL",
        "criterion": FCR,
        "cadence": 3,
        "status": "draft",
        "opened_days_ago": 3,
        "commitments_a": [
            c(
                "Statut de commande lisible",
                "Afficher dans l'espace client le statut de chaque commande en termes clairs, "
                "avec la date de livraison prévue.",
                "Part des contacts « où est ma commande ? »",
                "15",
                "% des contacts au plus",
                "Motifs de contact codés par les conseillers.",
                "Mensuelle",
                "Le client a la réponse sans appeler ; quand il appelle, c'est pour autre chose.",
            ),
            c(
                "Fiches produits complètes",
                "Renseigner dimensions, compatibilités et notice sur toutes les fiches produits "
                "des 500 meilleures ventes.",
                "Part des 500 meilleures ventes avec une fiche complète",
                "100",
                "%",
                "Contrôle automatique des attributs obligatoires.",
                "Mensuelle",
                "Moins de questions avant achat, moins de retours après.",
            ),
        ],
        # The Service client has not written its side yet: the balance warning shows.
        "commitments_b": [],
        "comments": [
            {
                "by": "julien.faure",
                "on": None,
                "days_after": 0,
                "body": "Nadia, je t'ai mis nos deux premiers engagements. À vous pour les "
                "vôtres : les remontées des conseillers sur les fiches produits ?",
                "resolved_by": None,
            },
        ],
        "edits": [],
        "reviews": [],
    },
]

# Pairs of heads worth logging in as, printed after seeding and listed in the README.
HIGHLIGHTED_PAIRS: list[tuple[str, str, str]] = [
    # (what you will see, e-mail login of one head, of the other)
    ("Achats ⇄ Logistique", "isabelle.vidal", "helene.marchand"),
    ("Logistique ⇄ Magasins", "helene.marchand", "thomas.garnier"),
    ("Service client ⇄ Magasins", "nadia.haddad", "sandrine.petit"),
    ("DSI ⇄ E-commerce", "philippe.caron", "julien.faure"),
    ("Finance ⇄ Service client", "bernard.lefevre", "nadia.haddad"),
]
