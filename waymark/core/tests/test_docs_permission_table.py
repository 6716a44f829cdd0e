from pathlib import Path

from waymark.core.roles import permission_table_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


def test_architecture_doc_shows_the_permission_table_from_code() -> None:
    assert permission_table_markdown() in DOC.read_text()
