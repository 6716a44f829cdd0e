from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from waymark.core.crypto import EncryptedTextField


class Command(BaseCommand):
    help = "Rewrite every encrypted value with the first key in WAYMARK_ENCRYPTION_KEYS (after a key rotation)."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            count = 0
            with transaction.atomic():
                for obj in model._default_manager.select_for_update().only("pk", *fields).iterator(chunk_size=500):
                    model._default_manager.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in fields})
                    count += 1
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
