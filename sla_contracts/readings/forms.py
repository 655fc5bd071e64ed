"""The readings pages' forms: the CSV upload and its confirmation (the entry form's fields are
one per commitment, read by name in ``routes``; CSRF protects every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ConfirmForm(FlaskForm):
    # The previewed file, signed (``merging.sign``): what is written is exactly what was shown.
    content = HiddenField()
