"""The run journal: streaming, resume of an interrupted run, cache between runs."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from linkcheck.journal import Journal, decode_response, encode_response, open_journal
from linkcheck.model import Hop, Response

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
    assert decode_response(encode_response(response)) == response


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
    assert decode_response(encode_response(response)) == response


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
    assert decode_response(encode_response(response)).text == "\udcff\x00\u2028 Ωμέγα"


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
