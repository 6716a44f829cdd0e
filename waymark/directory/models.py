"""The treatment facility directory: listings from the SAMHSA National Directory
(or any source in its layout), their service codes, and the claims and
verifications that make a listing a program's own.

Any facility is listed free. Claimed, verified and advertiser are shown as what
they are and never change the order of search results."""

from django.conf import settings
from django.db import models
from django.utils import timezone

MASK_WORDS = 4
BITS_PER_WORD = 62  # of a signed 64-bit integer, leaving the sign bit alone on both databases
MAX_CODES = MASK_WORDS * BITS_PER_WORD


class ServiceCode(models.Model):
    """One code of the directory's code key, with the bit that stands for it in Facility.code_mask_N.
    Bits are given out once, in order, and never reused, so a new code key only adds bits."""

    code = models.CharField(max_length=12, unique=True)
    label = models.CharField(max_length=300)
    category = models.CharField(max_length=40)  # codes.Category.slug
    bit = models.PositiveSmallIntegerField(unique=True)

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Facility(models.Model):
    class Source(models.TextChoices):
        SAMHSA = "samhsa", "SAMHSA National Directory"
        PROGRAM = "program", "Added by the program"

    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SAMHSA)
    source_id = models.CharField(max_length=40)  # the source's own id (SAMHSA: facility_id)
    source_date = models.DateField(null=True, blank=True)  # the date of the data it was last imported from
    directory_type = models.CharField(max_length=16, default="substance")
    name = models.CharField(max_length=200)  # name1
    name_detail = models.CharField(max_length=200, blank=True)  # name2: a program or branch name
    street1 = models.CharField(max_length=200, blank=True)
    street2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip = models.CharField(max_length=5, blank=True)  # five digits, leading zeros restored
    phone = models.CharField(max_length=40, blank=True)
    intake1 = models.CharField(max_length=40, blank=True)
    intake2 = models.CharField(max_length=40, blank=True)
    intake1a = models.CharField(max_length=40, blank=True)
    intake2a = models.CharField(max_length=40, blank=True)
    website = models.URLField(max_length=300, blank=True)
    # Every code, space-separated, groups in the source's order ("SA DT SUMH OP OD …").
    service_codes = models.TextField(blank=True)
    code_mask_0 = models.BigIntegerField(default=0)
    code_mask_1 = models.BigIntegerField(default=0)
    code_mask_2 = models.BigIntegerField(default=0)
    code_mask_3 = models.BigIntegerField(default=0)
    # Position: ZIP centroid (geo.py). Null when the row could not be placed; such a listing is kept, reported
    # by the import, and reachable by its page but not by distance.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    unit_x = models.FloatField(null=True, blank=True)
    unit_y = models.FloatField(null=True, blank=True)
    unit_z = models.FloatField(null=True, blank=True)
    cell = models.IntegerField(null=True, blank=True)
    geocoded_by = models.CharField(max_length=16, blank=True)  # "zip" (centroid) or "" (not placed)
    # Listing flags.
    claimed_by = models.ForeignKey(
        "core.Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="claimed_facilities"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    verified_what = models.CharField(max_length=300, blank=True)  # e.g. "address, phone and services, by phone"
    verified_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    advertiser = models.BooleanField(default=False)
    # Fields the claiming program edited: a later import leaves them as the program set them.
    locally_edited = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="facility_once_per_source")]
        indexes = [
            # What a search reads (search.py): the cells around a point, and from the same index entries the
            # position and the code masks, so that only the nearest few rows are read from the table.
            models.Index(
                fields=[
                    "directory_type",
                    "cell",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "code_mask_0",
                    "code_mask_1",
                    "code_mask_2",
                    "code_mask_3",
                    "id",
                ],
                name="facility_search",
            ),
            models.Index(fields=["state", "city"], name="facility_by_place"),
        ]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name

    @property
    def codes(self) -> list[str]:
        return self.service_codes.split()

    @property
    def address(self) -> str:
        street = ", ".join(s for s in (self.street1, self.street2) if s)
        place = " ".join(s for s in (f"{self.city}," if self.city else "", self.state, self.zip) if s)
        return ", ".join(s for s in (street, place.rstrip(",")) if s)

    @property
    def intake_phones(self) -> list[str]:
        return [p for p in (self.intake1, self.intake2, self.intake1a, self.intake2a) if p]


class FacilityClaim(models.Model):
    """A program's request to manage a listing. Approved by a directory verifier (geo-wide operator); the
    program's admins may then edit the listing's contact details."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Not approved"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="claims")
    program = models.ForeignKey("core.Program", on_delete=models.PROTECT, related_name="facility_claims")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    evidence = models.TextField(help_text="How a reviewer can confirm you run this facility")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "program"],
                condition=models.Q(status="pending"),
                name="one_pending_claim_per_program",
            )
        ]


class DirectoryImport(models.Model):
    """One run of `waymark import directory`: what it read and what it did."""

    path_name = models.CharField(max_length=300)  # the file's name, not its directory
    source_date = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)  # new listings
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # rows of another directory (mental health)
    rejected = models.PositiveIntegerField(default=0)
    not_placed = models.PositiveIntegerField(default=0)
    # [{"row": 1234, "facility_id": "…", "reason": "…"}, …], and the facility ids not placed.
    rejections = models.JSONField(default=list)
    unplaced = models.JSONField(default=list)
