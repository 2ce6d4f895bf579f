"""Registration duties over HTTP with CSRF on: the facts are captured at intake (a bad number is a field error,
never a 500), the duties and their reasons are shown on the project page, a filing is recorded per duty with
its evidence, and the Deployment stage page says which filings block its submission before anyone submits."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from reviewboard.projects.models import Project
from reviewboard.registration.models import Filing
from reviewboard.reviews.workflow import StageState
from tests.integration.test_registration_duties import deployment_project
from tests.support.http import login, post_form

PDF = b"%PDF-1.4\n% receipt\n"
GENAI = "TC260-GENAI-FILING"


def project_form(**overrides):
    data = {"name": "Public story writer", "purpose": "Writes bedtime stories on request.",
            "intended_users": "Parents.", "scenario": "A public web site.", "system_type": "generative",
            "data_categories": ["anonymous"], "deployment_context": "public", "autonomy_level": "advisory",
            "scale": "large", "q_affects_rights": "no", "q_safety_critical": "no", "q_public_content": "yes",
            "q_manipulation": "no", "q_social_scoring": "no", "q_remote_biometric_public": "no",
            "sector": "none", "public_service": "yes", "generative_public": "yes", "user_count": "1,200,000",
            "training_flop": "3 x 10^25", "parameter_count": "70B"}
    data.update(overrides)
    return data


def test_facts_given_at_intake_raise_duties_shown_with_their_reasons(client, make, db_session):
    login(client, make.user("submitter"))
    response = post_form(client, "/projects/new", "/projects/new", project_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    project = db_session.scalar(select(Project).where(Project.name == "Public story writer"))
    assert (project.user_count, project.training_flop, project.parameter_count) == (1_200_000, 3e25, 70 * 10**9)
    assert project.generative_public is True and project.sector == "none"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registration duties: File the generative AI service offered to the public" in page  # the flash
    assert "Notify the Commission of a general-purpose AI model with systemic risk" in page
    assert "Generated content (text, images, audio or video) is offered to members of the public." in page
    assert "Missing: required before DEP" in page and "[unverified]" in page


def test_a_bad_number_is_a_field_error_and_nothing_is_registered(client, make, db_session):
    login(client, make.user("submitter"))
    for field, value, message in (("training_flop", "a lot", "Give the training compute as a number"),
                                  ("user_count", "1.5", "Give the number of users as a whole number"),
                                  ("sector", "mars", "Not a valid choice")):
        response = post_form(client, "/projects/new", "/projects/new", project_form(**{field: value}))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, field
        assert message in html and 'id="error-summary"' in html and f'href="#{field}"' in html, field
    assert db_session.scalar(select(Project).where(Project.name == "Public story writer")) is None


def test_the_edit_form_shows_the_facts_and_keeps_them(client, make, db_session):
    project = make.project(sector="health", training_flop=2.5e24, user_count=1200, generative_public=False)
    login(client, project.owner)
    html = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="2.5e+24"' in html and 'value="1,200"' in html
    assert '<option selected value="health">' in html


def test_a_member_records_a_filing_with_its_evidence(client, make, db_session):
    project = make.project(generative_public=True)
    login(client, project.owner)
    page = f"/projects/{project.id}/duties/{GENAI}/filing"
    form = client.get(page).get_data(as_text=True)
    assert "Cyberspace Administration of China" in form  # the authority is proposed
    bad = post_form(client, page, page, {"authority": "CAC", "reference": "", "filed_on": "2026-11-01",
                                         "file": (io.BytesIO(b"MZ\x90"), "receipt.pdf")},
                    content_type="multipart/form-data")
    assert bad.status_code == 422 and "Give the reference the authority issued." in bad.get_data(as_text=True)
    bad_file = post_form(client, page, page, {"authority": "CAC", "reference": "Filing 1", "filed_on": "2026-11-01",
                                              "file": (io.BytesIO(b"MZ\x90"), "receipt.pdf")},
                         content_type="multipart/form-data")
    assert bad_file.status_code == 422 and "is not a PDF file" in bad_file.get_data(as_text=True)
    assert db_session.scalar(select(Filing).where(Filing.project_id == project.id)) is None
    good = post_form(client, page, page, {"authority": "CAC", "reference": "Filing 110108-2026-001",
                                          "filed_on": "2026-11-01", "file": (io.BytesIO(PDF), "receipt.pdf")},
                     content_type="multipart/form-data")
    assert good.status_code == 302
    filing = db_session.scalar(select(Filing).where(Filing.project_id == project.id))
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Filing 110108-2026-001" in html and "Filed</span>" in html
    download = client.get(f"/filings/{filing.id}")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("filed_on, message", [
    ("2999-01-01", "The filing date cannot be in the future."),
    ("1 Nov", "Not a valid date value."),
])
def test_a_filing_date_in_the_future_or_unreadable_is_refused_and_what_was_typed_is_kept(
        client, make, db_session, filed_on, message):
    project = make.project(generative_public=True)
    login(client, project.owner)
    page = f"/projects/{project.id}/duties/{GENAI}/filing"
    bad = post_form(client, page, page, {"authority": "CAC", "reference": "Filing 110108-2026-002",
                                         "filed_on": filed_on, "file": (io.BytesIO(PDF), "receipt.pdf")},
                    content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and message in html
    assert 'value="Filing 110108-2026-002"' in html and 'value="CAC"' in html
    assert db_session.scalar(select(Filing).where(Filing.project_id == project.id)) is None


def test_a_duty_the_project_does_not_have_is_404_and_outsiders_cannot_file(client, make):
    project = make.project(generative_public=True)
    login(client, project.owner)
    assert client.get(f"/projects/{project.id}/duties/EU-AIA-ART49-REGISTRATION/filing").status_code == 404
    assert client.get(f"/projects/{project.id}/duties/NOPE/filing").status_code == 404


def test_the_deployment_page_says_which_filings_block_it_and_submitting_is_refused(client, make, db_session):
    project, dep = deployment_project(make, db_session, generative_public=True)
    login(client, project.owner)
    url = f"/stages/{dep.id}"
    page = client.get(url).get_data(as_text=True)
    assert "required registration filings are missing" in page and GENAI in page
    response = post_form(client, url, f"{url}/submit", {"note": "", "version": str(dep.version),
                                                        "confirm_missing": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This stage cannot be submitted: required registration filings are missing: File the generative AI " \
           "service offered to the public" in html
    db_session.expire_all()
    assert dep.state == StageState.DRAFT


def test_a_chinese_reader_registers_and_files_with_the_duties_in_chinese(client, make, db_session):
    person = make.user("submitter")
    person.language = "zh-Hans"
    db_session.flush()
    login(client, person)
    form = client.get("/projects/new").get_data(as_text=True)
    assert "系统应用的行业领域" in form and ">医疗卫生</option>" in form  # the facts' questions and the sectors
    response = post_form(client, "/projects/new", "/projects/new", project_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "为面向公众提供的生成式人工智能服务办理备案" in page  # the flash and the duty
    assert "就具有系统性风险的通用人工智能模型通知欧盟委员会" in page
    assert "系统向社会公众提供生成内容（文本、图像、音频或视频）。（面向公众的生成内容：是）" in page
    assert "国家互联网信息办公室（通过省级网信办办理）" in page and "［未核实］" in page
    assert "File the generative AI service" not in page and "[unverified]" not in page
    project = db_session.scalar(select(Project).where(Project.name == "Public story writer"))
    filing_page = client.get(f"/projects/{project.id}/duties/{GENAI}/filing").get_data(as_text=True)
    assert "<h1 class=\"h3\">为面向公众提供的生成式人工智能服务办理备案</h1>" in filing_page
    assert "（面向公众的生成内容：是）" in filing_page
    url = f"/projects/{project.id}/duties/{GENAI}/filing"
    good = post_form(client, url, url, {"authority": "国家互联网信息办公室", "reference": "Filing 110108-2026-003",
                                        "filed_on": "2026-11-01", "file": (io.BytesIO(PDF), "receipt.pdf")},
                     content_type="multipart/form-data")
    assert good.status_code == 302
    assert "为面向公众提供的生成式人工智能服务办理备案" in client.get(good.headers["Location"]).get_data(as_text=True)
    # what the project keeps (and audits) stays in English, whoever judged it
    assert db_session.get(Project, project.id).registration_duties["duties"][0]["reasons"] == [
        "Generated content (text, images, audio or video) is offered to members of the public. "
        "(Generative content for the public: Yes)"]


def test_a_chinese_submitter_is_refused_in_chinese_when_filings_are_missing(client, make, db_session):
    project, dep = deployment_project(make, db_session, generative_public=True)
    project.owner.language = "zh-Hans"
    db_session.flush()
    login(client, project.owner)
    url = f"/stages/{dep.id}"
    response = post_form(client, url, f"{url}/submit", {"note": "", "version": str(dep.version),
                                                        "confirm_missing": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    # one sentence in one language, the duty titles included
    assert "此阶段无法提交：缺少必需的登记备案：为面向公众提供的生成式人工智能服务办理备案" in html
    assert "（请在项目页面登记每项备案）。未提交任何内容。" in html
    assert "cannot be submitted" not in html and "registration filings are missing" not in html
    db_session.expire_all()
    assert dep.state == StageState.DRAFT


def test_the_round_diff_gives_changed_registration_facts_in_the_readers_language(client, make, db_session):
    from reviewboard.projects import services as projects
    from reviewboard.reviews import lifecycle
    from reviewboard.reviews.workflow import Outcome
    from tests.support.factories import project_fields

    stage = make.submitted_stage()
    project = stage.project
    first, second = make.reviewers()
    make.sign(first, stage)
    make.sign(second, stage, Outcome.REQUEST_CHANGES)
    projects.update_project(project.owner, project, project_fields(name=project.name, sector="health",
                                                                   public_service=True),
                            project.answers, project.version)
    make.evidence(stage, filename="round-2.md")
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    db_session.commit()
    login(client, project.owner)

    def diff_text() -> str:
        page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
        section = re.search(r'<section class="card mb-4 rb-round-diff".*?</section>', page, re.S).group(0)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))

    english = diff_text()
    assert "Sector — Health care" in english and "Public-facing service — Yes" in english
    project.owner.language = "zh-Hans"
    db_session.commit()
    chinese = diff_text()
    assert "行业 — 医疗卫生" in chinese and "面向公众的服务 — 是" in chinese  # the values too, not only the labels
    assert "Health care" not in chinese and "Yes" not in chinese
