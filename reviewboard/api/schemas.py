"""The API's request and answer shapes (marshmallow): parsed by the views, described in the OpenAPI document.

Shapes only; the rules (who may, in which state, which values are consistent) stay in the services, which
answer a broken rule with a ServiceError naming the field (a 422 problem).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.projects.forms import ProjectForm
from reviewboard.projects.tiering import questionnaire

MAX_COUNT = 10**18  # the registration facts' BIGINT columns


class StrictSchema(Schema):
    class Meta:
        ordered = True  # unknown fields are refused (marshmallow's default RAISE): a typo is not silently lost


def _options(qid: str) -> list[str]:
    return list(questionnaire().question(qid).options)


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    field = fields.String(metadata={"description": "The input at fault, when one is"})
    errors = fields.List(fields.Dict(keys=fields.String(), values=fields.String()),
                         metadata={"description": "One {field, message} per input at fault"})


# the yes/no questions of the risk questionnaire, by question id (the form's radio buttons)
YesNoAnswers = Schema.from_dict({qid: fields.String(required=True, validate=validate.OneOf(["yes", "no"]))
                                 for qid in ProjectForm.YESNO}, name="YesNoAnswers")


class ProjectInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=SHORT_TEXT))
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=LONG_TEXT))
    intended_users = fields.String(required=True, validate=validate.Length(min=1, max=LONG_TEXT))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=LONG_TEXT))
    model = fields.String(validate=validate.Length(max=LONG_TEXT))
    system_type = fields.String(required=True, validate=validate.OneOf(_options("system_type")))
    data_categories = fields.List(fields.String(validate=validate.OneOf(_options("data_categories"))),
                                  required=True, validate=validate.Length(min=1))
    deployment_context = fields.String(required=True, validate=validate.OneOf(_options("deployment_context")))
    autonomy_level = fields.String(required=True, validate=validate.OneOf(_options("autonomy_level")))
    scale = fields.String(required=True, validate=validate.OneOf(_options("scale")))
    answers = fields.Nested(YesNoAnswers, required=True)
    sector = fields.String(allow_none=True, validate=validate.Length(max=40))
    public_service = fields.Boolean(allow_none=True)
    generative_public = fields.Boolean(allow_none=True)
    user_count = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_COUNT))
    parameter_count = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_COUNT))
    training_flop = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1e40))


class ProjectCreate(ProjectInput):
    pipeline_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                                 metadata={"description": "Default: the first active pipeline"})


class StageSummary(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back when submitting"})
    round = fields.Integer(required=True, attribute="round_number")
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    next_review_on = fields.Date(allow_none=True)


class ProjectSummary(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    tier = fields.String(required=True)
    owner = fields.String(required=True, attribute="owner.name")
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class ProjectPage(Schema):
    items = fields.List(fields.Nested(ProjectSummary), required=True)
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Pass as `cursor` for the next page; null on the last"})


class ProjectDetail(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    purpose = fields.String(required=True)
    intended_users = fields.String(required=True)
    scenario = fields.String(required=True)
    model = fields.String(required=True)
    system_type = fields.String(required=True)
    data_categories = fields.List(fields.String(), required=True)
    deployment_context = fields.String(required=True)
    autonomy_level = fields.String(required=True)
    scale = fields.String(required=True)
    answers = fields.Dict(keys=fields.String(), required=True)
    tier = fields.String(required=True)
    tier_reasons = fields.List(fields.Raw(), required=True)
    sector = fields.String(allow_none=True)
    public_service = fields.Boolean(allow_none=True)
    generative_public = fields.Boolean(allow_none=True)
    user_count = fields.Integer(allow_none=True)
    parameter_count = fields.Integer(allow_none=True)
    training_flop = fields.Float(allow_none=True)
    owner = fields.String(required=True, attribute="owner.name")
    pipeline_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "Also the ETag; send it as If-Match"})
    stages = fields.List(fields.Nested(StageSummary), required=True)


class TierAnswer(Schema):
    tier = fields.String(required=True)
    reasons = fields.List(fields.Raw(), required=True, attribute="tier_reasons")
    answers = fields.Dict(keys=fields.String(), required=True)


class ProjectQuery(StrictSchema):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Name or purpose contains"})
    tier = fields.String(validate=validate.OneOf(["low", "medium", "high", "prohibited"]))
    cursor = fields.String(validate=validate.Length(max=40))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class EvidenceOut(Schema):
    id = fields.Integer(required=True)
    criterion = fields.String(required=True, attribute="criterion.code")
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)
    round = fields.Integer(required=True, attribute="round_number")
    withdrawn = fields.Boolean(required=True)
    expires_on = fields.Date(allow_none=True)


class StageDetail(StageSummary):
    project_id = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    criteria = fields.List(fields.String(), required=True, metadata={"description": "Applicable criterion codes"})
    evidence = fields.List(fields.Nested(EvidenceOut), required=True)
    records = fields.List(fields.Integer(), required=True, metadata={"description": "Record ids, oldest first"})


class SubmitInput(StrictSchema):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "The stage's version as read (a stale one gets 409)"})
    note = fields.String(load_default="", validate=validate.Length(max=LONG_TEXT))


class SubmitOutput(Schema):
    stage = fields.Nested(StageSummary, required=True)
    round = fields.Integer(required=True)


class EvidenceUpload(Schema):
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "The criterion's code, e.g. RB-DES-01"})
    expires_on = fields.Date(allow_none=True)


class EvidenceFile(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class QueueItem(Schema):
    stage = fields.Nested(StageSummary, required=True)
    project_id = fields.Integer(required=True)
    project = fields.String(required=True)
    tier = fields.String(required=True)
    submitted_at = fields.DateTime(allow_none=True)


class RecordOut(Schema):
    id = fields.Integer(required=True)
    public_id = fields.String(required=True)
    version = fields.Integer(required=True)
    stage_id = fields.Integer(required=True, attribute="stage_review_id")
    round = fields.Integer(allow_none=True, attribute="round_number")
    issued_at = fields.DateTime(required=True)
    template_version = fields.String(required=True)
    content_sha256 = fields.String(required=True)
    pdf_sha256 = fields.String(required=True)
    pdf_size = fields.Integer(required=True)
    signature_level = fields.String(required=True)


class RecordQuery(StrictSchema):
    project = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    cursor = fields.String(validate=validate.Length(max=40))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RecordPage(Schema):
    items = fields.List(fields.Nested(RecordOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class AuditQuery(StrictSchema):
    action = fields.String(validate=validate.Length(max=60))
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=60))
    actor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    after_seq = fields.Integer(validate=validate.Range(min=0, max=2**62),
                               metadata={"description": "Cursor: events after this sequence number"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AuditEventOut(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True, attribute="created_at")
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String(required=True, attribute="actor_name")
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    payload = fields.String(required=True, metadata={"description": "The canonical JSON that is hashed"})
    entry_hash = fields.String(required=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEventOut), required=True)
    next_after_seq = fields.Integer(allow_none=True, required=True)


class AuditVerifyOut(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True)
    first_bad_seq = fields.Integer(allow_none=True)
    reason = fields.String(required=True)
    checkpoints = fields.Integer(required=True)
    mac_checked = fields.Integer(required=True)


class MeOut(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    token_scopes = fields.List(fields.String(), required=True)
    token_expires_at = fields.DateTime(allow_none=True)
