"""`waymark import directory`: reading the SAMHSA layout (CSV, gzip, XLSX), idempotent re-import, ZIP codes
that lost their leading zeros, rejected rows and their reasons, the command's report, the demo directory, and
the national file when ../shared/data is there.

The fixture (tests/data/facilities.csv, fictional) has, by row: 2 substance_1 (NY 10001), 3 substance_2 (NY),
4 substance_3 (CT, ZIP 6401 → 06401), 5 substance_4 (NY with ZIP 6401: 06401 is in CT, so not placed),
6 substance_5 (PR, ZIP 901 → 00901), 7 substance_6 (ZIP 99999, unknown: not placed), 8 mental_1 (skipped),
9–16 rejected (no state, no name, no facility_id, duplicate id, code not in the key, shifted columns, an extra
field, state XX), 17 substance_13 (NH, ZIP 3101 → 03101)."""

import csv
import datetime as dt
import gzip
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from waymark.core.models import AuditEvent
from waymark.directory import demo, importer, search, zips
from waymark.directory.importer import ImportFailed, do_import_directory
from waymark.directory.models import DirectoryImport, Facility, ServiceCode
from waymark.directory.tests.helpers import SHARED_SAMHSA

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "facilities.csv"
KEY = DATA / "service_definitions.csv"
AS_OF = dt.date(2025, 3, 31)
IMPORTED = {"substance_1", "substance_2", "substance_3", "substance_4", "substance_5", "substance_6", "substance_13"}


def fixture_rows() -> list[list[str]]:
    with FIXTURE.open(newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def copy_fixture(tmp_path: Path) -> Path:
    shutil.copy(KEY, tmp_path / KEY.name)
    return write_rows(tmp_path / "facilities.csv", fixture_rows())


def edit_row(path: Path, facility_id: str, **changes: str) -> None:
    rows = fixture_rows()
    header = rows[0]
    for row in rows[1:]:
        if row and row[0] == facility_id:
            for column, value in changes.items():
                row[header.index(column)] = value
    write_rows(path, rows)


def with_website_column() -> list[list[str]]:
    """The fixture's rows with an empty `website` column (the published file has none; a file may)."""
    rows = [row for row in fixture_rows() if row]
    return [[*rows[0], "website"]] + [[*row, ""] for row in rows[1:]]


def listing(source_id: str) -> Facility:
    return Facility.objects.get(source="samhsa", source_id=source_id)


class TestImportingTheFixture:
    def test_it_counts_every_row(self) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        assert (report.rows_read, report.imported, report.updated, report.unchanged) == (16, 7, 0, 0)
        assert (report.skipped, report.rejected, report.not_placed) == (1, 8, 2)
        assert set(Facility.objects.values_list("source_id", flat=True)) == IMPORTED
        assert DirectoryImport.objects.get() == report
        assert report.path_name == "facilities.csv" and report.source_date == AS_OF and report.finished_at

    def test_it_stores_the_listing_as_the_file_has_it(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        chelsea = listing("substance_1")
        assert (chelsea.name, chelsea.name_detail) == ("Chelsea Example Recovery", "Opioid treatment program")
        assert chelsea.address == "1 Example Street, Suite 2, New York, NY 10001"
        assert (chelsea.phone, chelsea.intake_phones) == ("212-555-0101", ["212-555-0151"])
        assert chelsea.codes == ["SA", "OP", "MU", "BU", "OTP", "MM", "UB", "PVTN", "MD", "PI", "SF", "SS", "PW", "SP"]
        assert (chelsea.directory_type, chelsea.source_date, chelsea.geocoded_by) == ("substance", AS_OF, "zip")
        assert (chelsea.latitude, chelsea.longitude) == (40.7484, -73.9967)
        assert (chelsea.source, chelsea.locally_edited, chelsea.claimed_by, chelsea.verified) == (
            "samhsa",
            [],
            None,
            False,
        )
        assert chelsea.created_at == chelsea.updated_at and chelsea.created_at.tzinfo is not None
        assert chelsea.code_mask_0 and chelsea.cell

    def test_its_codes_are_searchable(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        query = search.parse_query({"near": ["10001"], "radius": ["50"], "services": ["methadone"]})
        assert [r.facility.source_id for r in search.search(query)] == ["substance_1"]
        query = search.parse_query({"near": ["10001"], "radius": ["50"], "services": ["OIT"], "payment": ["SS"]})
        assert [r.facility.source_id for r in search.search(query)] == ["substance_2"]

    def test_it_stores_the_substance_use_code_key_only(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        assert ServiceCode.objects.filter(code="CMHC").exists() is False
        assert ServiceCode.objects.get(code="OTP").label == "Federally-certified Opioid Treatment Program"
        assert ServiceCode.objects.get(code="OTP").category == "opioid_services"

    def test_it_is_audited_once(self) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        event = AuditEvent.objects.get(action="directory_import")
        assert (event.object_type, event.object_id, event.actor_id) == ("directoryimport", str(report.pk), None)
        assert "7 new" in event.reason


class TestZipCodes:
    def test_it_restores_a_lost_leading_zero_within_the_rows_state(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        ansonia = listing("substance_3")
        assert (ansonia.zip, ansonia.state) == ("06401", "CT")
        assert zips.state_of(ansonia.zip) == "CT"
        assert (ansonia.latitude, ansonia.longitude) == (41.3427, -73.0742)
        assert (listing("substance_5").zip, listing("substance_13").zip) == ("00901", "03101")
        assert listing("substance_5").cell is not None

    def test_a_padded_zip_in_another_state_is_not_placed_and_is_reported(self) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        yonkers = listing("substance_4")
        assert (yonkers.latitude, yonkers.cell, yonkers.geocoded_by, yonkers.zip) == (None, None, "", "6401")
        assert report.unplaced[0] == {
            "row": 5,
            "facility_id": "substance_4",
            "zip": "6401",
            "state": "NY",
            "reason": "ZIP code 6401 read as 06401 is in CT, not NY",
        }

    def test_an_unknown_zip_is_kept_without_a_position(self) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        nowhere = listing("substance_6")
        assert (nowhere.zip, nowhere.latitude, nowhere.cell) == ("99999", None, None)
        assert report.unplaced[1]["reason"] == "ZIP code 99999 is not in the ZIP code data"
        assert "substance_6" not in [
            r.facility.source_id for r in search.search(search.parse_query({"near": ["99501"], "radius": ["500"]}))
        ]

    def test_zip_plus_four_is_cut_to_five_digits(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        edit_row(path, "substance_2", zip="10451-1234")
        do_import_directory(path, as_of=AS_OF)
        assert listing("substance_2").zip == "10451"
        assert listing("substance_2").cell is not None


class TestRejectedRows:
    @pytest.mark.parametrize(
        "row,facility_id,reason",
        [
            (9, "substance_7", "no state"),
            (10, "substance_8", "no name (name1 is empty)"),
            (11, "", "no facility_id"),
            (12, "substance_1", "facility_id substance_1 is also on row 2"),
            (13, "substance_9", "service codes not in the code key: ZZZ"),
            (
                14,
                "substance_10",
                "columns look shifted; no name (name1 is empty); ZIP code “OP” is not a ZIP code",
            ),
            (15, "substance_11", "columns look shifted: 16 fields where the header has 15"),
            (16, "substance_12", "state “XX” is not a US state or territory code"),
        ],
    )
    def test_it_gives_the_row_and_the_reason(self, row: int, facility_id: str, reason: str) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        assert {"row": row, "facility_id": facility_id, "reason": reason} in report.rejections

    def test_rejected_plus_imported_is_every_substance_use_row(self) -> None:
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        substance = sum(1 for row in fixture_rows()[1:] if row[1] == "substance")
        assert report.imported + report.rejected == substance == 15
        assert len(report.rejections) == report.rejected

    def test_a_rejected_row_leaves_its_listing_alone(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        edit_row(path, "substance_2", state="", name1="Renamed")
        report = do_import_directory(path, as_of=AS_OF)
        assert report.rejected == 9 and report.updated == 0
        assert listing("substance_2").name == "Bronx Example Counseling"

    def test_it_rejects_a_field_too_long_for_the_listing(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        edit_row(path, "substance_2", phone="5" * 41)
        report = do_import_directory(path, as_of=AS_OF)
        assert {"row": 3, "facility_id": "substance_2", "reason": "phone is longer than 40 characters"} in (
            report.rejections
        )

    def test_control_characters_reject_the_row(self, tmp_path: Path) -> None:
        # NUL in a listing's text is refused by PostgreSQL (text and JSON): the whole import used to fail there.
        path = copy_fixture(tmp_path)
        edit_row(path, "substance_2", name1="Bronx\x00Example\x07Counseling")
        report = do_import_directory(path, as_of=AS_OF)
        assert {
            "row": 3,
            "facility_id": "substance_2",
            "reason": "control characters (such as NUL) in the row: the file may be damaged",
        } in report.rejections
        assert report.imported == 6 and not Facility.objects.filter(source_id="substance_2").exists()

    @pytest.mark.parametrize(
        "website, reason",
        [
            ("javascript:alert(1)", "is not an http or https address"),
            ("data:text/html,<script>alert(1)</script>", "is not an http or https address"),
            ("https://findtreatment.example@phish.example/", "has a user name or password in it"),
            ("http://user:secret@clinic.example.org/", "has a user name or password in it"),
        ],
    )
    def test_a_website_that_is_not_a_plain_web_address_rejects_the_row(
        self, tmp_path: Path, website: str, reason: str
    ) -> None:
        rows = with_website_column()
        rows[1][-1] = website
        shutil.copy(KEY, tmp_path / KEY.name)
        report = do_import_directory(write_rows(tmp_path / "facilities.csv", rows), as_of=AS_OF)
        assert [r["reason"] for r in report.rejections if r["row"] == 2] == [
            f"website “{importer._short(website)}” {reason}"
        ]
        assert not Facility.objects.filter(source_id="substance_1").exists()

    def test_a_plain_web_address_is_kept(self, tmp_path: Path) -> None:
        rows = with_website_column()
        rows[1][-1] = "https://clinic.example.org/intake?from=@directory"
        shutil.copy(KEY, tmp_path / KEY.name)
        do_import_directory(write_rows(tmp_path / "facilities.csv", rows), as_of=AS_OF)
        assert listing("substance_1").website == "https://clinic.example.org/intake?from=@directory"


class TestReimport:
    def test_a_second_run_changes_nothing(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        before = {f.source_id: (f.pk, f.updated_at) for f in Facility.objects.all()}
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        assert (report.imported, report.updated, report.unchanged) == (0, 0, 7)
        assert {f.source_id: (f.pk, f.updated_at) for f in Facility.objects.all()} == before
        assert DirectoryImport.objects.count() == 2

    def test_an_edited_row_is_updated(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        pk = listing("substance_2").pk
        edit_row(path, "substance_2", phone="718-555-0199", service_code_info="SA * OP OIT * BU * UB * MD PI SF")
        report = do_import_directory(path, as_of=AS_OF + dt.timedelta(days=30))
        assert (report.imported, report.updated, report.unchanged) == (0, 1, 6)
        bronx = listing("substance_2")
        assert (bronx.pk, bronx.phone, bronx.codes[-2:]) == (pk, "718-555-0199", ["PI", "SF"])
        assert bronx.source_date == AS_OF + dt.timedelta(days=30)
        query = search.parse_query({"near": ["10451"], "services": ["OIT"], "payment": ["private_insurance"]})
        assert [r.facility for r in search.search(query)] == [bronx]
        assert Facility.objects.count() == 7

    def test_unchanged_rows_take_a_newer_files_date(self) -> None:
        do_import_directory(FIXTURE, as_of=AS_OF)
        later = AS_OF + dt.timedelta(days=90)
        do_import_directory(FIXTURE, as_of=later)
        assert set(Facility.objects.values_list("source_date", flat=True)) == {later}
        do_import_directory(FIXTURE, as_of=AS_OF)  # an older file's date does not take an unchanged row back
        assert set(Facility.objects.values_list("source_date", flat=True)) == {later}

    def test_a_moved_listing_is_placed_again(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        edit_row(path, "substance_4", zip="10701")
        report = do_import_directory(path, as_of=AS_OF)
        yonkers = listing("substance_4")
        assert (report.updated, report.not_placed, yonkers.zip) == (1, 1, "10701")
        assert yonkers.cell is not None and yonkers.geocoded_by == "zip"

    def test_fields_the_program_edited_are_kept(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        Facility.objects.filter(source_id="substance_1").update(
            phone="212-555-0177", intake1="212-555-0178", locally_edited=["phone", "intake1"]
        )
        edit_row(path, "substance_1", phone="212-555-0100", intake1="212-555-0150", name1="Chelsea Example Health")
        report = do_import_directory(path, as_of=AS_OF)
        chelsea = listing("substance_1")
        assert report.updated == 1
        assert (chelsea.phone, chelsea.intake1, chelsea.name) == (
            "212-555-0177",
            "212-555-0178",
            "Chelsea Example Health",
        )
        assert chelsea.locally_edited == ["phone", "intake1"]

    def test_a_row_differing_only_in_edited_fields_is_unchanged(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        Facility.objects.filter(source_id="substance_1").update(phone="212-555-0177", locally_edited=["phone"])
        report = do_import_directory(path, as_of=AS_OF)
        assert (report.updated, report.unchanged) == (0, 7)
        assert listing("substance_1").phone == "212-555-0177"

    def test_an_edited_zip_code_keeps_its_position(self) -> None:
        from waymark.directory.listing import set_position

        do_import_directory(FIXTURE, as_of=AS_OF)
        bronx = listing("substance_2")
        bronx.zip, bronx.locally_edited = "10001", ["zip"]
        set_position(bronx, zips.centroid("10001"))
        bronx.save()
        report = do_import_directory(FIXTURE, as_of=AS_OF)
        again = listing("substance_2")
        assert (report.updated, again.zip, again.cell, again.latitude) == (0, "10001", bronx.cell, 40.7484)

    def test_claims_and_flags_survive_a_reimport(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        do_import_directory(path, as_of=AS_OF)
        Facility.objects.filter(source_id="substance_2").update(verified=True, advertiser=True, verified_what="phone")
        edit_row(path, "substance_2", name1="Bronx Example Counselling")
        do_import_directory(path, as_of=AS_OF)
        bronx = listing("substance_2")
        assert (bronx.name, bronx.verified, bronx.advertiser, bronx.verified_what) == (
            "Bronx Example Counselling",
            True,
            True,
            "phone",
        )


class TestFormats:
    def test_gzip_by_suffix_and_by_content(self, tmp_path: Path) -> None:
        shutil.copy(KEY, tmp_path / KEY.name)
        (tmp_path / "facilities.csv.gz").write_bytes(gzip.compress(FIXTURE.read_bytes()))
        assert do_import_directory(tmp_path / "facilities.csv.gz", as_of=AS_OF).imported == 7
        # Gzip content under a .csv name: read by its first bytes.
        (tmp_path / "renamed.csv").write_bytes(gzip.compress(FIXTURE.read_bytes()))
        assert do_import_directory(tmp_path / "renamed.csv", as_of=AS_OF).unchanged == 7

    def test_a_gzip_code_key_beside_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "service_definitions.csv.gz").write_bytes(gzip.compress(KEY.read_bytes()))
        path = write_rows(tmp_path / "directory.csv", fixture_rows())
        assert do_import_directory(path, as_of=AS_OF).imported == 7

    def test_windows_1252_text(self, tmp_path: Path) -> None:
        shutil.copy(KEY, tmp_path / KEY.name)
        path = tmp_path / "facilities.csv"
        path.write_bytes(FIXTURE.read_text().encode("cp1252"))
        do_import_directory(path, as_of=AS_OF)
        assert listing("substance_5").name == "Centro Ejemplo de Recuperación"

    def test_characters_lost_from_the_code_key_are_dropped_from_labels(self, tmp_path: Path) -> None:
        # The national key has "Acamprosate (Campral\ufffd)": the "®" was lost before the file was published.
        lines = KEY.read_text().splitlines()
        lines = [line.replace("Medicaid", "Medicaid\ufffd program") for line in lines]
        (tmp_path / KEY.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        do_import_directory(write_rows(tmp_path / "facilities.csv", fixture_rows()), as_of=AS_OF)
        assert ServiceCode.objects.get(code="MD").label == "Medicaid program"

    def test_xlsx_with_its_code_key_sheet(self, tmp_path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Facilities"
        sheet.append(["National Directory of Drug and Alcohol Use Treatment Facilities (test copy)", "2025-03-31"])
        sheet.append([])
        rows = fixture_rows()
        zip_at = rows[0].index("zip")
        for row in rows:
            # A spreadsheet stores ZIP codes as numbers: that is how the leading zeros were lost.
            cells: list[object] = [int(v) if i == zip_at and v.isdigit() else (v or None) for i, v in enumerate(row)]
            sheet.append(cells)
        key_sheet = book.create_sheet("Service definitions")
        with KEY.open(newline="") as f:
            for row in csv.reader(f):
                key_sheet.append(row)
        path = tmp_path / "directory.xlsx"
        book.save(path)
        report = do_import_directory(path, as_of=AS_OF)
        assert (report.rows_read, report.imported, report.skipped, report.rejected) == (16, 7, 1, 8)
        assert {
            "row": 17,
            "facility_id": "substance_11",
            "reason": "columns look shifted: 16 fields where the header has 15",
        } in report.rejections
        assert (listing("substance_3").zip, listing("substance_1").zip) == ("06401", "10001")
        assert do_import_directory(path, as_of=AS_OF).unchanged == 7

    def test_xlsx_with_the_code_key_given(self, tmp_path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in fixture_rows():
            sheet.append(row)
        path = tmp_path / "directory.xlsx"
        book.save(path)
        with pytest.raises(ImportFailed, match=r"No code key for directory\.xlsx"):
            do_import_directory(path, as_of=AS_OF)
        assert do_import_directory(path, codes_path=KEY, as_of=AS_OF).imported == 7

    def test_a_file_that_is_not_a_workbook(self, tmp_path: Path) -> None:
        (tmp_path / "directory.xlsx").write_bytes(b"PK\x03\x04 not really a zip file")
        with pytest.raises(ImportFailed, match="cannot be read as an XLSX workbook"):
            do_import_directory(tmp_path / "directory.xlsx", codes_path=KEY)

    def test_the_files_date_when_no_date_is_given(self, tmp_path: Path) -> None:
        path = copy_fixture(tmp_path)
        stamp = time.mktime((2024, 6, 15, 12, 0, 0, 0, 0, -1))
        os.utime(path, (stamp, stamp))
        assert do_import_directory(path).source_date == dt.date(2024, 6, 15)

    @pytest.mark.parametrize(
        "content,message",
        [
            ("name,city\nA,B\n", "not in the SAMHSA layout: no column facility_id, directory_type"),
            ("", "not in the SAMHSA layout"),
        ],
    )
    def test_a_file_in_another_layout_is_refused(self, tmp_path: Path, content: str, message: str) -> None:
        shutil.copy(KEY, tmp_path / KEY.name)
        (tmp_path / "other.csv").write_text(content)
        with pytest.raises(ImportFailed, match=message):
            do_import_directory(tmp_path / "other.csv")
        assert not Facility.objects.exists() and not DirectoryImport.objects.exists()

    def test_no_code_key_is_refused(self, tmp_path: Path) -> None:
        path = write_rows(tmp_path / "facilities.csv", fixture_rows())
        with pytest.raises(ImportFailed, match="give --codes KEYPATH"):
            do_import_directory(path)
        (tmp_path / "key.csv").write_text("directory_type,code,label\nmental,MH,Mental health\n")
        with pytest.raises(ImportFailed, match="no code key for the substance use directory"):
            do_import_directory(path, codes_path=tmp_path / "key.csv")

    def test_a_damaged_gzip_file_is_refused(self, tmp_path: Path) -> None:
        packed = gzip.compress(FIXTURE.read_bytes() * 50)
        path = tmp_path / "facilities.csv.gz"
        path.write_bytes(packed[:40] + bytes(60) + packed[100:])  # the deflate stream broken near its start
        shutil.copy(KEY, tmp_path / KEY.name)
        with pytest.raises(ImportFailed, match="cannot be read as CSV"):
            do_import_directory(path, as_of=AS_OF)
        assert not Facility.objects.exists() and not DirectoryImport.objects.exists()

    def test_a_workbook_damaged_past_its_header_is_refused_and_nothing_is_saved(self, tmp_path: Path) -> None:
        import zipfile

        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        rows = fixture_rows()
        for row in rows + [rows[1]] * 40:
            sheet.append(row)
        good, bad = tmp_path / "good.xlsx", tmp_path / "directory.xlsx"
        book.save(good)
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as damaged:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) * 2 // 3]  # the sheet's XML ends part way through
                damaged.writestr(info, data)
        with pytest.raises(ImportFailed, match="cannot be read"):
            do_import_directory(bad, codes_path=KEY, as_of=AS_OF)
        assert not Facility.objects.exists() and not DirectoryImport.objects.exists()

    def test_a_workbook_that_unpacks_too_far_is_refused_unread(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import openpyxl

        from waymark.directory import sheets

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in fixture_rows():
            sheet.append(row)
        book.save(tmp_path / "directory.xlsx")
        monkeypatch.setattr(sheets, "MAX_XLSX_UNPACKED", 4096)  # a zip bomb, as far as this test goes

        def never(*args: object, **kwargs: object) -> None:
            raise AssertionError("opened")

        monkeypatch.setattr(openpyxl, "load_workbook", never)
        with pytest.raises(ImportFailed, match="is refused unread"):
            do_import_directory(tmp_path / "directory.xlsx", codes_path=KEY, as_of=AS_OF)

    def test_a_failed_import_leaves_nothing_behind(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(importer.audit, "record", broken)
        with pytest.raises(RuntimeError):
            do_import_directory(FIXTURE, as_of=AS_OF)
        assert not Facility.objects.exists() and not ServiceCode.objects.exists()
        assert not DirectoryImport.objects.exists()


class TestCommand:
    def run(self, *args: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("import", "directory", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_reports_counts_and_reasons(self) -> None:
        out, err = self.run(str(FIXTURE), "--as-of", "2025-03-31")
        assert "Directory import from facilities.csv (data as of 2025-03-31):" in out
        for line in ("rows read         16", "imported           7", "skipped            1", "rejected           8"):
            assert line in out
        assert "not placed         2" in out
        assert "row 9 substance_7: no state" in out
        assert "row 11 (no id): no facility_id" in out
        assert "row 5 substance_4: ZIP code 6401 read as 06401 is in CT, not NY" in out
        assert f"Stored as directory import #{DirectoryImport.objects.get().pk}." in out
        assert err.endswith("\r 100% 16/16\n")

    def test_it_lists_only_the_first_rejections_asked_for(self) -> None:
        out, _ = self.run(str(FIXTURE), "--show", "2", "--no-progress")
        assert "Rejected rows (first 2):" in out
        assert "row 9 substance_7" in out and "row 10 substance_8" in out and "row 11" not in out

    def test_progress_shows_the_share_done(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(importer, "PROGRESS_EVERY", 4)
        _, err = self.run(str(FIXTURE))
        assert err.split("\r")[1:] == ["  25% 4/16", "  50% 8/16", "  75% 12/16", " 100% 16/16\n"]

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="No file at"):
            self.run(str(tmp_path / "nothing.csv"))

    def test_a_bad_date(self) -> None:
        with pytest.raises(CommandError, match="not a date"):
            self.run(str(FIXTURE), "--as-of", "31/03/2025")

    def test_it_needs_a_kind_of_data(self) -> None:
        with pytest.raises(CommandError):
            call_command("import")


class TestDemo:
    def test_without_the_national_file_it_lays_down_fictional_listings(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WAYMARK_SAMHSA_DIR", "")
        out = io.StringIO()
        message = demo.load_demo_directory(out)
        assert message == "Treatment finder: 30 fictional demo listings (30 new); no national file found."
        assert out.getvalue() == message + "\n"
        listings = list(Facility.objects.all())
        assert len(listings) == 30
        assert all(f.name.endswith(" (demo listing)") and "-555-01" in f.phone for f in listings)
        assert all(f.cell is not None for f in listings)
        assert (
            demo.load_demo_directory()
            == "Treatment finder: 30 fictional demo listings (0 new); no national file found."
        )
        assert Facility.objects.count() == 30

    def test_every_run_of_the_fictional_listings_is_audited(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WAYMARK_SAMHSA_DIR", "")
        demo.load_demo_directory()
        Facility.objects.filter(source_id="demo-01").update(phone="207-555-0000")
        demo.load_demo_directory()  # writes every listing again: the changed one is put back
        assert Facility.objects.get(source_id="demo-01").phone == "207-555-0101"
        assert list(
            AuditEvent.objects.filter(action="directory_demo_load").order_by("seq").values_list("reason", flat=True)
        ) == ["30 new, 0 reset: fictional demo listings", "0 new, 30 reset: fictional demo listings"]

    def test_the_fictional_listings_can_be_found(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WAYMARK_SAMHSA_DIR", "")
        demo.load_demo_directory()
        query = search.parse_query({"near": ["04101"], "radius": ["25"], "services": ["methadone"]})
        assert [r.facility.name for r in search.search(query)] == ["Casco Bay Recovery Center (demo listing)"]
        query = search.parse_query({"near": ["10001"], "services": ["detox"], "payment": ["medicaid"]})
        assert [r.facility.city for r in search.search(query)] == ["Brooklyn", "Newark"]

    def test_the_fictional_codes_are_in_the_key_and_grouped_by_category(self) -> None:
        from waymark.directory import codes

        for profile in demo.PROFILES.values():
            for group in codes.parse_service_info(profile):
                assert len({codes.category_of(c).slug for c in group}) == 1, group
                assert all(c in demo.DEMO_KEY for c in group)

    def test_with_a_directory_folder_it_imports_it(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        copy_fixture(tmp_path)
        monkeypatch.setenv("WAYMARK_SAMHSA_DIR", str(tmp_path))
        message = demo.load_demo_directory()
        assert "7 new, 0 updated, 0 unchanged, 8 rejected" in message
        assert Facility.objects.count() == 7

    def test_a_commands_output_gets_one_progress_line(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from django.core.management.base import OutputWrapper

        copy_fixture(tmp_path)
        monkeypatch.setenv("WAYMARK_SAMHSA_DIR", str(tmp_path))
        monkeypatch.setattr(importer, "PROGRESS_EVERY", 8)
        text = io.StringIO()
        demo.load_demo_directory(OutputWrapper(text))
        progress, message = text.getvalue().split("\n")[:2]
        assert progress == "\r  50% 8/16\r 100% 16/16"
        assert message.startswith("Treatment finder: SAMHSA National Directory from ")

    def test_the_shared_folder_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("WAYMARK_SAMHSA_DIR", raising=False)
        found = demo.samhsa_dir()
        assert found == (SHARED_SAMHSA if (SHARED_SAMHSA / "facilities.csv.gz").is_file() else None)


NATIONAL = SHARED_SAMHSA / "facilities.csv.gz"


@pytest.mark.skipif(not NATIONAL.is_file(), reason="the national directory is not beside this checkout (../shared)")
def test_the_national_file() -> None:
    started = time.perf_counter()
    report = do_import_directory(NATIONAL, as_of=AS_OF)
    took = time.perf_counter() - started
    assert (report.rows_read, report.skipped) == (20_524, 8_319)
    assert report.imported + report.rejected == 12_205
    assert (report.imported, report.rejected, report.not_placed) == (12_200, 5, 0)
    assert [r["facility_id"] for r in report.rejections] == [f"substance_{n}" for n in range(12201, 12206)]
    assert Facility.objects.filter(cell__isnull=False).count() == 12_200
    connecticut = Facility.objects.filter(state="CT")
    assert connecticut.count() == 158 and all(zips.state_of(f.zip) == "CT" for f in connecticut)
    assert took < 30, took
    again = do_import_directory(NATIONAL, as_of=AS_OF)
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 12_200, 5)
