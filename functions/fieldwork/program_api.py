"""The audit program's HTTP functions: the firm's procedure library and the engagement's program.

Reading either needs engagement.read, which client users lack (403); the program is looked up as the
firm's working papers, so a client user would find no engagement anyway (404). Shaping the library or a
program needs program.manage; carrying a procedure out, workpaper.prepare (checked by the service,
which knows which fields change).
"""

from __future__ import annotations

from functions.fieldwork import bp
from functions.fieldwork import program_schemas as schemas
from functions.fieldwork import program_service as service
from functions.fieldwork.procedure_library import AREAS, OTHER_AREA
from functions.fieldwork.program_service import LibraryEntry, ProgramView
from shared.auth.permissions import Permission
from shared.db.models_program import ProgramProcedure
from shared.http import Call, endpoint

LIBRARY_TAGS = ["procedure library"]
PROGRAM_TAGS = ["audit program"]
LIBRARY = "firm/procedures"
PROGRAM = "engagements/{engagement_id:guid}/program"
PROCEDURE = PROGRAM + "/procedures/{procedure_id:guid}"
AREA_LIST = [schemas.AreaRead(code=a.code, label=a.label) for a in AREAS] + [
    schemas.AreaRead(code=OTHER_AREA, label="Other areas")
]


def _entry(entry: LibraryEntry) -> schemas.LibraryProcedureRead:
    p = entry.procedure
    return schemas.LibraryProcedureRead.model_validate(
        {
            "id": entry.id,
            "code": p.code,
            "source": p.source,
            "title": p.title,
            "objective": p.objective,
            "assertions": list(p.assertions),
            "areas": list(p.areas),
            "risk_responses": list(p.risk_responses),
            "nature": p.nature,
            "hidden": entry.hidden,
            "retired": entry.retired,
        }
    )


def _procedure(row: ProgramProcedure, view: ProgramView) -> schemas.ProgramProcedureRead:
    fields = {column.key: getattr(row, column.key) for column in ProgramProcedure.__table__.columns}
    risks = [
        schemas.LinkRead(id=risk_id, label=f"{view.risks[risk_id].area} / {view.risks[risk_id].assertion}")
        for risk_id in row.risk_ids
        if risk_id in view.risks
    ]
    papers = [schemas.LinkRead(id=n, label=view.workpapers[n]) for n in row.workpaper_node_ids if n in view.workpapers]
    samples = [schemas.LinkRead(id=s, label=view.samples[s]) for s in row.sample_ids if s in view.samples]
    return schemas.ProgramProcedureRead.model_validate(
        {
            **fields,
            "risks": risks,
            "workpapers": papers,
            "signed_workpapers": [n for n in row.workpaper_node_ids if n in view.signed],
            "samples": samples,
        }
    )


def _program(view: ProgramView) -> schemas.ProgramRead:
    return schemas.ProgramRead(
        areas=AREA_LIST,
        procedures=[_procedure(row, view) for row in view.procedures],
        uncovered_risks=[
            schemas.UncoveredRisk(id=u.id, area=u.area, assertion=u.assertion, reason=u.reason) for u in view.uncovered
        ],
        added=view.added,
    )


# --- the firm's library ---------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    LIBRARY,
    name="list_firm_procedures",
    summary="The firm's procedure library: the starter procedures and the firm's own",
    tags=LIBRARY_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.LibraryQuery,
    response=schemas.LibraryRead,
)
def list_firm_procedures(call: Call) -> schemas.LibraryRead:
    query: schemas.LibraryQuery = call.query
    with call.uow() as uow:
        entries = service.list_library(uow=uow, principal=call.user, include_hidden=query.include_hidden)
        return schemas.LibraryRead(areas=AREA_LIST, procedures=[_entry(entry) for entry in entries])


@endpoint(
    bp,
    "POST",
    LIBRARY,
    name="create_firm_procedure",
    summary="Add a procedure of the firm's own to its library",
    tags=LIBRARY_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    body=schemas.LibraryProcedureCreate,
    response=schemas.LibraryProcedureRead,
    status=201,
    errors=[409],
)
def create_firm_procedure(call: Call) -> schemas.LibraryProcedureRead:
    with call.uow() as uow:
        return _entry(service.create_library_procedure(uow=uow, principal=call.user, fields=call.body.model_dump()))


@endpoint(
    bp,
    "PATCH",
    LIBRARY + "/{procedure_id:guid}",
    name="update_firm_procedure",
    summary="Edit or retire a procedure of the firm's own",
    tags=LIBRARY_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    body=schemas.LibraryProcedureUpdate,
    response=schemas.LibraryProcedureRead,
    errors=[404],
)
def update_firm_procedure(call: Call) -> schemas.LibraryProcedureRead:
    with call.uow() as uow:
        entry = service.update_library_procedure(
            uow=uow,
            principal=call.user,
            procedure_id=call.route_uuid("procedure_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _entry(entry)


@endpoint(
    bp,
    "PUT",
    LIBRARY + "/starter-visibility",
    name="set_starter_procedure_visibility",
    summary="Hide a starter procedure from the firm's library and generated programs, or show it again",
    tags=LIBRARY_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    body=schemas.StarterVisibility,
    response=schemas.LibraryProcedureRead,
)
def set_starter_procedure_visibility(call: Call) -> schemas.LibraryProcedureRead:
    body: schemas.StarterVisibility = call.body
    with call.uow() as uow:
        return _entry(service.set_starter_visibility(uow=uow, principal=call.user, code=body.code, hidden=body.hidden))


# --- the engagement's program ---------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    PROGRAM,
    name="get_program",
    summary="The engagement's audit program in order, and the risks it leaves unanswered",
    tags=PROGRAM_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ProgramRead,
    errors=[404],
)
def get_program(call: Call) -> schemas.ProgramRead:
    with call.uow() as uow:
        return _program(
            service.get_program(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        )


@endpoint(
    bp,
    "POST",
    PROGRAM + "/generate",
    name="generate_program",
    summary="Plan the program from the risk register; again, it adds only what is missing",
    tags=PROGRAM_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    response=schemas.ProgramRead,
    errors=[404, 409],
)
def generate_program(call: Call) -> schemas.ProgramRead:
    with call.uow() as uow:
        return _program(
            service.generate_program(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        )


@endpoint(
    bp,
    "PUT",
    PROGRAM + "/order",
    name="reorder_program",
    summary="Put the program's procedures in the order given",
    tags=PROGRAM_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    body=schemas.ProgramOrder,
    response=schemas.ProgramRead,
    errors=[404, 409],
)
def reorder_program(call: Call) -> schemas.ProgramRead:
    with call.uow() as uow:
        view = service.reorder_program(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            procedure_ids=call.body.procedure_ids,
        )
        return _program(view)


@endpoint(
    bp,
    "POST",
    PROGRAM + "/procedures",
    name="add_program_procedure",
    summary="Add a procedure from the library, or a custom one, to the program",
    tags=PROGRAM_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    body=schemas.ProgramProcedureCreate,
    response=schemas.ProgramProcedureRead,
    status=201,
    errors=[404, 409],
)
def add_program_procedure(call: Call) -> schemas.ProgramProcedureRead:
    engagement_id = call.route_uuid("engagement_id")
    with call.uow() as uow:
        row = service.add_procedure(
            uow=uow, principal=call.user, engagement_id=engagement_id, fields=call.body.model_dump(exclude_unset=True)
        )
        return _procedure(row, service.view_of(uow, engagement_id))


@endpoint(
    bp,
    "PATCH",
    PROCEDURE,
    name="update_program_procedure",
    summary="Assign, progress, document or conclude a procedure (completing needs a signed workpaper)",
    tags=PROGRAM_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ProgramProcedureUpdate,
    response=schemas.ProgramProcedureRead,
    errors=[403, 404, 409],
)
def update_program_procedure(call: Call) -> schemas.ProgramProcedureRead:
    engagement_id = call.route_uuid("engagement_id")
    with call.uow() as uow:
        row = service.update_procedure(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            procedure_id=call.route_uuid("procedure_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _procedure(row, service.view_of(uow, engagement_id))


@endpoint(
    bp,
    "DELETE",
    PROCEDURE,
    name="delete_program_procedure",
    summary="Remove a procedure nobody has started",
    tags=PROGRAM_TAGS,
    permission=Permission.PROGRAM_MANAGE,
    status=204,
    errors=[404, 409],
)
def delete_program_procedure(call: Call) -> None:
    with call.uow() as uow:
        service.delete_procedure(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            procedure_id=call.route_uuid("procedure_id"),
        )
