"""A text column stored encrypted (crypto.py): plain text in Python, ciphertext in the database."""

from django.db import models
from django.db.models import Func, lookups

from . import crypto


class EncryptedTextField(models.TextField):
    """Sealed on every write (save, update, the signing INSERT), opened on every read.

    Only equality with "" can be asked of it in a query: every other lookup would compare
    ciphertexts. Rows are found through their blind indexes instead.
    """

    def __init__(self, *args, purpose: str, **kwargs):
        self.purpose = purpose
        self._aad = purpose.encode()
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return crypto.encrypt(value, purpose=self._aad)

    def from_db_value(self, value, expression, connection):
        return value if value is None else crypto.decrypt(value, purpose=self._aad)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


class EmptyOnlyExact(lookups.Exact):
    """`name=""` (an erased value, stored as ""); any other value would be sealed afresh and
    match nothing, silently: refused."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise TypeError("An encrypted field can only be compared with ''; search its blind index.")
        return super().get_prep_lookup()


class Sealed(Func):
    """An encrypted column's stored text, as it is: for code that opens many values itself
    (exports, key rotation) rather than through the field's converter."""

    template = "%(expressions)s"
    output_field = models.TextField()
