"""Domain events reach every subscribed handler once, in order."""

from sla_contracts import events


def test_published_event_reaches_each_handler_once_in_order():
    seen: list[tuple[str, int]] = []

    def first(*, number: int) -> None:
        seen.append(("first", number))

    def second(*, number: int) -> None:
        seen.append(("second", number))

    events.subscribe("test_event", first)
    events.subscribe("test_event", second)
    events.subscribe("test_event", first)  # subscribing again changes nothing
    events.publish("test_event", number=7)
    events.publish("other_event", number=8)
    assert seen == [("first", 7), ("second", 7)]
