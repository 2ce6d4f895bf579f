"""The OpenAPI document and a documentation page rendered by the app (no script, no CDN: the CSP holds)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from reviewboard.api.blueprint import bp

SELF_DESCRIBING = ("/api/v1/openapi.json", "/api/v1/docs")


def spec_dict() -> dict:
    """The OpenAPI document, less the two routes that serve it (public, not part of the API proper)."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    for path in SELF_DESCRIBING:
        spec["paths"].pop(path, None)
    return spec


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(spec_dict())


@bp.get("/docs")
def docs():
    spec = spec_dict()
    operations = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                scopes = [s for req in op.get("security", []) for s in req.get("bearerAuth", [])]
                operations.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                                   "tag": (op.get("tags") or ["Other"])[0], "scope": ", ".join(scopes),
                                   "statuses": sorted(op.get("responses", {}))})
    operations.sort(key=lambda o: (o["tag"], o["path"], o["method"]))
    return render_template("api/docs.html", spec=spec, operations=operations)
