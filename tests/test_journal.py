"""The run journal: streaming, resume of an interrupted run, cache between runs."""

from __future__ import annotations

import dataclasses
import json
import marshal
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from multidict import istr
from support.reports import sample_report

from linkcheck.journal import PAGE_SIZE, Journal, decode_response, open_journal
from linkcheck.model import PACKED_FIELDS, PACKED_TAG, Hop, Response, pack_response
from linkcheck.store import with_history

URL = "https://el.example.org/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/"
KEY = {"method": "GET", "follow": True, "read_body": True}


def page(status: int | None = 200, **more: object) -> Response:
    return Response(
        url=URL,
        final_url=URL,
        status=status,
        content_type="text/html",
        text="<title>Άρθρα</title>" if status == 200 else None,
        **more,  # type: ignore[arg-type]
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_response_round_trips_through_the_journal_encoding() -> None:
    response = page(
        hops=(Hop("http://a/", 301, URL),),
        headers=(("ETag", '"x"'), ("Content-Type", "text/html")),
        charset="utf-8",
        size=42,
    )
    assert decode_response(pack_response(response)) == response


@pytest.mark.parametrize(
    "response",
    [
        page(),
        page(status=None, error="boom", error_kind="connect"),
        Response(URL, URL, 200, content_type="image/png"),  # no text is not an empty text
        Response(URL, URL, 200, text="", unusable="binary content served as text/html"),
        Response(URL, URL, 200, text="line one\nline two\n{not json}"),
    ],
    ids=["page", "failure", "no-text", "empty-text", "newlines-in-text"],
)
def test_encoding_keeps_none_apart_from_empty_text(response: Response) -> None:
    assert decode_response(pack_response(response)) == response


def test_answers_written_by_an_older_version_are_still_read() -> None:
    """Journals written before the text was stored raw held zlib-compressed JSON."""
    old = {
        "url": URL,
        "final_url": URL,
        "status": 200,
        "hops": [],
        "text": "Ωμέγα",
        "content_type": "text/html",
        "headers": [["ETag", '"x"']],
    }
    blob = zlib.compress(json.dumps(old, ensure_ascii=False).encode("utf-8"), 1)
    decoded = decode_response(blob)
    assert (decoded.text, decoded.status, decoded.headers) == ("Ωμέγα", 200, (("ETag", '"x"'),))


def json_row(response: Response) -> bytes:
    """The format journals were written in before `pack_response` (JSON head, raw text)."""
    head = {
        "url": response.url,
        "final_url": response.final_url,
        "status": response.status,
        "hops": [[h.url, h.status, h.location] for h in response.hops],
        "content_type": response.content_type,
        "has_text": response.text is not None,
        "error": response.error,
        "error_kind": response.error_kind,
        "elapsed": response.elapsed,
        "size": response.size,
        "charset": response.charset,
        "truncated": response.truncated,
        "headers": [list(pair) for pair in response.headers],
        "unusable": response.unusable,
    }
    text = (response.text or "").encode("utf-8", "surrogatepass")
    return json.dumps(head).encode("ascii") + b"\n" + text


@pytest.mark.parametrize(
    "response",
    [
        page(hops=(Hop("http://a/", 301, URL),), headers=(("ETag", '"x"'),), size=42),
        page(None, error="boom", error_kind="connect"),
        Response(URL, URL, 200, text="\udcff\x00\u2028 Ωμέγα\n{not json}"),
    ],
    ids=["page", "failure", "odd-text"],
)
def test_answers_written_as_json_before_packing_are_still_read(response: Response) -> None:
    assert decode_response(json_row(response)) == response


def test_the_packed_order_is_the_order_of_responses_fields() -> None:
    """Response is rebuilt positionally from a packed row: a field added, removed or moved
    must come with a new PACKED_TAG (older rows then read as misses, not as wrong answers)."""
    fields = tuple(f.name for f in dataclasses.fields(Response))
    assert fields == PACKED_FIELDS, "Response changed: a new PACKED_TAG, and pack_response"


def test_header_names_from_aiohttp_are_packed_as_plain_strings() -> None:
    response = page(headers=((istr("ETag"), '"x"'),))
    decoded = decode_response(pack_response(response))
    assert decoded.headers == (("ETag", '"x"'),)
    assert type(decoded.headers[0][0]) is str


def test_packing_refuses_what_marshal_cannot_hold() -> None:
    with pytest.raises(ValueError):
        pack_response(page(headers=(("X-Bad", lambda: None),)))  # type: ignore[arg-type]


def packed_fields(response: Response) -> tuple[Any, ...]:
    fields = marshal.loads(pack_response(response)[1:])
    assert isinstance(fields, tuple)
    return fields


DAMAGED = {
    "not-marshal": PACKED_TAG + b"\xff\x00garbage",
    "cut-short": pack_response(page())[:-5],
    "empty": PACKED_TAG,
    "a-later-format": b"\x02" + pack_response(page())[1:],
    "wrong-shape": PACKED_TAG + marshal.dumps(packed_fields(page())[:-1]),
    "not-a-tuple": PACKED_TAG + marshal.dumps(["list"]),
    "bad-hops": PACKED_TAG
    + marshal.dumps((*packed_fields(page())[:3], ((1,),), *packed_fields(page())[4:])),
    "bad-json": b"{not json",
    "bad-zlib": b"x\x9cnot deflate",
}


@pytest.mark.parametrize("data", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_row_that_cannot_be_read_is_a_miss_not_a_crash(tmp_path: Path, data: bytes) -> None:
    """A damaged row, or one another Python's marshal wrote: fetched again."""
    path = tmp_path / "linkcheck.sqlite"
    with Journal(path, "cfg", ttl=3600) as first:
        first.record(URL, page(headers=(("ETag", '"x"'),)), **KEY)
        first.finish()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE journal_entries SET data = ?", (data,))
    with Journal(path, "cfg", ttl=3600) as second:
        assert second.lookup(URL, **KEY) is None
        assert second.validators(URL, **KEY) is None
        assert second.replayed == 0


def test_the_fetch_process_sends_the_bytes_the_journal_recorded_or_replayed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "linkcheck.sqlite"
    recorded, other = page(), page(404)
    with Journal(path, "cfg", ttl=0) as first:
        first.record(URL, recorded, **KEY)
        packed = first.packed(recorded)
        assert packed == pack_response(recorded)
        assert first.packed(recorded) is packed  # not packed twice
        assert first.packed(other) == pack_response(other)  # another answer: packed anew
    with Journal(path, "cfg", resume=True, ttl=0) as second:
        replayed = second.lookup(URL, **KEY)
        assert replayed == recorded
        assert second.packed(replayed) == packed


@pytest.mark.parametrize("ok", [True, False])
def test_validators_are_stored_as_the_response_header_gives_them(tmp_path: Path, ok: bool) -> None:
    """The first of each, whatever the case of the name (as `Response.header`)."""
    headers = (
        ("etag", '"1"'),
        ("ETag", '"2"'),
        ("LAST-MODIFIED", "Wed, 01 Jan 2025 00:00:00 GMT"),
        ("Last-Modified", "later"),
    )
    response = page(200 if ok else 404, headers=headers)
    path = tmp_path / "linkcheck.sqlite"
    with Journal(path, "cfg") as journal:
        journal.record(URL, response, **KEY)
    row = sqlite3.connect(path).execute("SELECT etag, last_modified FROM journal_entries")
    assert row.fetchone() == (response.header("ETag"), response.header("Last-Modified"))


def test_an_answer_that_cannot_be_encoded_is_a_warning_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "linkcheck.sqlite"
    bad = page(headers=(("X-Bad", lambda: None),))  # type: ignore[arg-type]
    with Journal(path, "cfg") as journal:
        journal.record(URL, bad, **KEY)
        journal.record(URL + "ok", page(), **KEY)
    keys = [row[0] for row in sqlite3.connect(path).execute("SELECT key FROM journal_entries")]
    assert keys == [f"GET 11 {URL}ok"]
    assert "cannot encode the answer" in capsys.readouterr().err


def test_many_answers_are_all_written_in_batches(tmp_path: Path) -> None:
    """More than one batch (`COMMIT_EVERY`), with lookups of unwritten ones in between."""
    path = tmp_path / "linkcheck.sqlite"
    with Journal(path, "cfg", ttl=0) as journal:
        for i in range(1200):
            journal.record(f"{URL}{i}", page(), **KEY)
            if i % 400 == 399:
                assert journal.lookup(f"{URL}{i}", **KEY) == page()
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM journal_entries").fetchone()
    assert rows == (1200,)


class TestResume:
    def test_unfinished_run_is_resumed_and_answers_without_ttl(self, tmp_path: Path) -> None:
        """Everything the interrupted run recorded (even errors) is replayed on resume."""
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg", ttl=0) as first:
            first.record(URL, page(), **KEY)
            first.record(URL + "x", page(None, error="timeout", error_kind="timeout"), **KEY)
            run_id = first.run_id  # interrupted: never finished
        with Journal(path, "cfg", resume=True, ttl=0) as second:
            assert second.resumed and second.run_id == run_id
            assert second.lookup(URL, **KEY) == page()
            replayed = second.lookup(URL + "x", **KEY)
            assert replayed is not None and replayed.error_kind == "timeout"
            assert second.lookup(URL, method="HEAD", follow=True, read_body=True) is None

    def test_finished_run_is_not_resumed(self, tmp_path: Path) -> None:
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg", ttl=0) as first:
            first.record(URL, page(), **KEY)
            first.finish()
        with Journal(path, "cfg", resume=True, ttl=0) as second:
            assert not second.resumed
            assert second.lookup(URL, **KEY) is None

    def test_other_config_is_not_resumed(self, tmp_path: Path) -> None:
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "a.yaml", ttl=0) as first:
            first.record(URL, page(), **KEY)
        with Journal(path, "b.yaml", resume=True, ttl=0) as second:
            assert not second.resumed and second.lookup(URL, **KEY) is None

    def test_records_survive_without_finish_or_explicit_commit(self, tmp_path: Path) -> None:
        """close() (reached on Ctrl-C through `with`) commits the pending batch."""
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg") as journal:
            for i in range(5):
                journal.record(f"{URL}{i}", page(), **KEY)
        rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM journal_entries").fetchone()
        assert rows == (5,)


class TestCache:
    def test_fresh_success_is_reused_stale_one_is_not(self, tmp_path: Path) -> None:
        clock = Clock()
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg", ttl=100, clock=clock) as first:
            first.record(URL, page(), **KEY)
            first.finish()
        clock.now += 50
        with Journal(path, "cfg", ttl=100, clock=clock) as second:
            assert second.lookup(URL, **KEY) == page()
        clock.now += 60
        with Journal(path, "cfg", ttl=100, clock=clock) as third:
            assert third.lookup(URL, **KEY) is None

    @pytest.mark.parametrize(
        "response",
        [page(404), page(None, error="x", error_kind="connect"), page(truncated=True)],
    )
    def test_failures_are_never_reused_by_a_later_run(
        self, tmp_path: Path, response: Response
    ) -> None:
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg", ttl=3600) as first:
            first.record(URL, response, **KEY)
            first.finish()
        with Journal(path, "cfg", ttl=3600) as second:
            assert second.lookup(URL, **KEY) is None

    def test_no_cache_means_no_reuse(self, tmp_path: Path) -> None:
        path = tmp_path / "linkcheck.sqlite"
        with Journal(path, "cfg") as first:
            first.record(URL, page(), **KEY)
            first.finish()
        with Journal(path, "cfg", ttl=None) as second:
            assert second.lookup(URL, **KEY) is None
            assert second.validators(URL, **KEY) is None

    def test_stale_answer_with_etag_gives_conditional_headers(self, tmp_path: Path) -> None:
        clock = Clock()
        path = tmp_path / "linkcheck.sqlite"
        headers = (("ETag", '"v1"'), ("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT"))
        with Journal(path, "cfg", ttl=10, clock=clock) as first:
            first.record(URL, page(headers=headers), **KEY)
            first.record(URL + "plain", page(), **KEY)
            first.finish()
        clock.now += 3600
        with Journal(path, "cfg", ttl=10, clock=clock) as second:
            assert second.lookup(URL, **KEY) is None
            validators = second.validators(URL, **KEY)
            assert validators is not None
            assert validators.headers() == {
                "If-None-Match": '"v1"',
                "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT",
            }
            assert second.validators(URL + "plain", **KEY) is None


def test_unusable_file_is_a_warning_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "linkcheck.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    assert open_journal(path, "cfg") is None
    assert "running without journal" in capsys.readouterr().err


def test_resume_without_interrupted_run_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = open_journal(tmp_path / "j.sqlite", "cfg", resume=True)
    assert journal is not None
    journal.close()
    assert "no interrupted run" in capsys.readouterr().err


def test_odd_text_round_trips() -> None:
    """Lone surrogates (from surrogateescape decoding) and control characters survive."""
    response = Response(URL, URL, 200, text="\udcff\x00\u2028 Ωμέγα")
    assert decode_response(pack_response(response)).text == "\udcff\x00\u2028 Ωμέγα"


def test_finished_run_drops_answers_nobody_refreshed_for_a_week(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "linkcheck.sqlite"
    with Journal(path, "cfg", clock=clock) as first:
        first.record(URL + "old", page(), **KEY)
        first.finish()
    clock.now += 8 * 24 * 3600
    with Journal(path, "cfg", clock=clock) as second:
        second.record(URL + "new", page(), **KEY)
        second.finish()
    keys = [row[0] for row in sqlite3.connect(path).execute("SELECT key FROM journal_entries")]
    assert keys == [f"GET 11 {URL}new"]


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA page_size").fetchone()[0])


def test_a_state_file_the_journal_creates_has_large_pages_and_serves_history(
    tmp_path: Path,
) -> None:
    """The page size is the journal's choice for a new file; the history tables of store.py
    live in the same file and work in it, before and after the journal's run."""
    path = tmp_path / "linkcheck.sqlite"
    with Journal(path, "cfg") as journal:
        journal.record(URL, page(), **KEY)
        journal.finish()
    assert page_size(path) == PAGE_SIZE == 32768
    warnings: list[str] = []
    first = with_history(sample_report(), path, warn=warnings.append)
    second = with_history(sample_report(), path, warn=warnings.append)
    assert warnings == [] and first.previous is None and second.previous is not None
    with Journal(path, "cfg", ttl=3600) as again:
        assert again.lookup(URL, **KEY) == page()


def test_an_existing_state_file_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "linkcheck.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE earlier (x)")
    before = page_size(path)
    with Journal(path, "cfg") as journal:
        journal.record(URL, page(), **KEY)
    assert page_size(path) == before
