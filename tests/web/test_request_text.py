"""Every form field, query parameter and uploaded file name is normalised once, as the request
is read (assessment_app/request_text.py), as the response text always was: no view, form or
service sees NUL (a server error on PostgreSQL: a sign-in, a password reset, a marker's
comment, an admin search), other invisible controls, or a file name with a line break."""

import io

from flask import request

from assessment_app.text_intake import file_name, xml_text


def test_form_fields_query_parameters_and_file_names_are_normalised(app):
    with app.test_request_context(
            "/admin/people?q=Sam\x00%00Taylor", method="POST",
            data={"comment": "Good\x00 work\x1b", "decomposed": "Cafe\u0301",
                  "password": "secret\x00\u0301",
                  "evidence": (io.BytesIO(b"x"), "lette\u0301r\x1b.pdf")},
            content_type="multipart/form-data"):
        assert request.args["q"] == "SamTaylor"
        assert request.form["comment"] == "Good work"
        assert request.form["decomposed"] == "Café"
        assert request.form["password"] == "secret\x00\u0301"  # only ever hashed: as typed
        assert request.files["evidence"].filename == "lett\u00e9r.pdf"


def test_repeated_fields_are_each_normalised_and_kept_in_order(app):
    with app.test_request_context("/x?n=1\x00&n=2\x01", method="POST",
                                  data={"level": ["a\x00", "b"]}):
        assert request.args.getlist("n") == ["1", "2"]
        assert request.form.getlist("level") == ["a", "b"]


def test_a_file_name_loses_line_breaks_controls_and_direction_overrides():
    assert file_name(" report\u202egpj.exe\r\n\u2028.pdf ") == "reportgpj.exe.pdf"
    assert file_name("Cafe\u0301.docx") == "Café.docx"


def test_text_for_a_word_document_keeps_pasted_line_breaks_and_drops_what_xml_cannot_hold():
    assert xml_text("Good\x0bwork\x0cnext\x00\x1b\ud800") == "Good\nwork\nnext"
