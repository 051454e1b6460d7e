"""Hostile page text through every channel comes out as inert text."""

from __future__ import annotations

import json

from alerts.deliver import Deliverer
from alerts.render import header_text, slack_escape
from store.repo import Store
from tests.alerts_support import (
    HOSTILE,
    HOSTILE_CHANGE,
    email_spec,
    mail_server,
    receiver,
    record_changes,
    settings_yaml,
    slack_spec,
    webhook_spec,
)
from tests.server import LocalServer

TITLE = "Evil\r\nBcc: victim@example.net <script>x</script> {{ 7*7 }}"


def test_hostile_content_is_inert_everywhere(sqlite_store: Store, server: LocalServer) -> None:
    slack, hook = receiver(server, "/slack"), receiver(server, "/hook")
    with mail_server() as mail:
        channels = {
            "mail": email_spec(mail),
            "chat": slack_spec(server.url("/slack")),
            "hook": webhook_spec(server.url("/hook")),
        }
        settings = settings_yaml(str(sqlite_store.engine.url), channels)
        record_changes(sqlite_store, "w", [HOSTILE_CHANGE], title=TITLE, settings=settings)
        assert Deliverer(sqlite_store, settings).deliver().sent == 3
        [message] = mail.received
        envelopes = mail.handler.envelopes
    assert envelopes == [("factwatch@example.org", ["policy@example.org", "ops@example.org"])]
    assert message["Bcc"] is None
    assert message["Subject"] == (
        "[factwatch] Evil Bcc: victim@example.net <script>x</script> {{ 7*7 }}: 1 change"
    )
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{ 7*7 }}" in html
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert HOSTILE in plain  # "{{ 7*7 }}" verbatim: nothing renders page text as a template
    slack_text = json.dumps(slack.bodies[0])
    assert "<!channel>" not in slack_text and "<script>" not in slack_text
    assert "@here" not in slack_text and "&lt;!channel&gt;" in slack_text
    assert "{{ 7*7 }}" in slack_text
    [event] = hook.bodies[0]["events"]
    assert event["subject"] == f"Reports {HOSTILE}"  # data, JSON-encoded, never interpreted


def test_escapers() -> None:
    assert slack_escape("<!here> & @channel @Everyone") == (
        "&lt;!here&gt; &amp; @\u200bchannel @\u200bEveryone"
    )
    assert header_text("a\r\nb\tc\u2028d\x00e") == "a b c d e"
