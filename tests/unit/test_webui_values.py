"""The web UI extension's server side without a CSE: the values it serves, and ACME's
page with the extension's tags added."""

from __future__ import annotations

import json

from acme_swc_plugin import protocol
from acme_swc_plugin.webui.page import extend_page, extension_tags
from acme_swc_plugin.webui.values import OPTIONAL_PLACEHOLDER, PLACEHOLDER, web_values

PROTOCOL = protocol.load()
STATUS = PROTOCOL.status
CSE_SET = {
    PROTOCOL.short_name(name)
    for name in ("softwareLinks", "aggregatedSoftwareStatus", "individualSoftwareStatus")
}


def test_values_are_json_and_name_the_types() -> None:
    values = json.loads(json.dumps(web_values()))

    assert values["campaign"] == {
        "code": PROTOCOL.campaign.code,
        "typeName": PROTOCOL.campaign.type_name,
        "shortName": PROTOCOL.campaign.name,
        "fullName": PROTOCOL.campaign.full_name,
    }
    assert values["announced"]["code"] == PROTOCOL.announced.code
    assert values["attributes"] == PROTOCOL.attributes


def test_every_enumerated_attribute_has_its_labels() -> None:
    values = web_values()

    assert values["enumOf"][PROTOCOL.short_name("softwareOperation")] in values["enums"]
    for enum_name in values["enumOf"].values():
        assert enum_name in values["enums"]
    status_labels = values["enums"][values["enumOf"][values["fields"]["status"]]]
    assert status_labels == {str(int(s)): s.name for s in STATUS}


def test_status_tones_tell_running_failed_and_done_apart() -> None:
    tones = web_values()["statusTone"]

    assert tones[str(int(STATUS.NOT_YET_STARTED))] == "pending"
    assert tones[str(int(STATUS.IN_PROGRESS))] == "pending"
    assert tones[str(int(STATUS.ERROR))] == "failed"
    assert tones[str(int(STATUS.INSTALLED))] == "done"
    assert set(tones) == {str(int(s)) for s in STATUS}


def test_update_leaves_out_the_cse_set_and_the_given_attributes() -> None:
    read_only = web_values(read_only=["ri", "ct"])["readOnly"]

    assert set(read_only) == CSE_SET | {"ri", "ct"}


def test_create_template_has_what_a_request_sets_and_nothing_the_cse_sets() -> None:
    values = web_values(parents=[5])
    template = values["createTemplate"][PROTOCOL.campaign.type_name]

    assert values["parents"] == [5]
    assert next(iter(template)) == "rn"
    for name in ("softwareVersion", "softwareName", "softwareURL"):
        assert template[PROTOCOL.short_name(name)] == PLACEHOLDER
    assert template[PROTOCOL.short_name("softwareTargets")] == [PLACEHOLDER]
    operation = template[PROTOCOL.short_name("softwareOperation")]
    assert operation in {int(o) for o in PROTOCOL.operation}
    criteria = template[PROTOCOL.short_name("softwareTriggerCriteria")]
    assert criteria == [
        {
            PROTOCOL.short_name("subjectResourceID"): OPTIONAL_PLACEHOLDER,
            PROTOCOL.short_name("evalCriteria"): OPTIONAL_PLACEHOLDER,
        }
    ]
    assert not CSE_SET & set(template)


def test_tags_go_right_before_the_end_of_the_head() -> None:
    tags = extension_tags("acme-swc", "swc-webui.js", "swc-webui.css")
    page = "<html><head><script src='js/main.js'></script></HEAD ><body></body></html>"

    extended = extend_page(page, tags)

    assert extended == page.replace("</HEAD >", tags + "</HEAD >")
    assert '<script src="acme-swc/swc-webui.js"></script>' in tags
    assert '<link rel="stylesheet" type="text/css" href="acme-swc/swc-webui.css">' in tags


def test_a_page_without_head_is_not_extended() -> None:
    assert extend_page("<html><body></body></html>", "<script></script>") is None
