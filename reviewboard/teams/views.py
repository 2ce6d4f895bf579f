"""The project page's Team section: add a member by e-mail with a role, change a role, remove a member
(after a confirmation page). Thin views; the rules live in reviewboard/teams/services.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.projects.models import Project, ProjectMember
from reviewboard.projects.permissions import can_view_project
from reviewboard.projects.views import render_project
from reviewboard.teams import services
from reviewboard.teams.forms import AddMemberForm, MemberRoleForm, RemoveMemberForm
from reviewboard.teams.permissions import can_manage_team

bp = Blueprint("teams", __name__)


def _managed(project_id: int) -> Project:
    project = load_or_404(Project, project_id, can_view_project)
    if not can_manage_team(current_user, project):
        abort(403)
    return project


def _member(project: Project, member_id: int) -> ProjectMember:
    member = next((m for m in project.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


def _back(project: Project):
    return redirect(url_for("projects.show", project_id=project.id, _anchor="team"))


@bp.post("/projects/<int:project_id>/team")
@login_required
def add(project_id: int):
    project = _managed(project_id)
    form = AddMemberForm(prefix="team")
    if form.validate_on_submit():
        try:
            member = services.add_member(current_user, project, form.email.data, form.role.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("%(name)s joined the team as %(role)s.", name=member.user.name,
                    role=services.ROLE_TITLES[member.role].lower()), "success")
            return _back(project)
    return render_project(project, status=422, team_form=form)


@bp.post("/projects/<int:project_id>/team/<int:member_id>/role")
@login_required
def change_role(project_id: int, member_id: int):
    project = _managed(project_id)
    member = _member(project, member_id)
    form = MemberRoleForm(prefix=f"m{member.id}")
    if not form.validate_on_submit():
        flash(_("Choose owner, contributor or viewer. Nothing was changed."), "danger")
        return _back(project)
    try:
        services.change_role(current_user, project, member, form.role.data)
    except ServiceError as exc:
        flash(_("%(problem)s Nothing was changed.", problem=exc.message), "danger")
    else:
        flash(_("%(name)s is now %(role)s.", name=member.user.name, role=services.ROLE_TITLES[member.role].lower()),
              "success")
    return _back(project)


@bp.route("/projects/<int:project_id>/team/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove(project_id: int, member_id: int):
    project = _managed(project_id)
    member = _member(project, member_id)
    form = RemoveMemberForm()
    if form.validate_on_submit():
        name = member.user.name
        leaving_self = member.user_id == current_user.id
        try:
            services.remove_member(current_user, project, member)
        except ServiceError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("%(name)s was removed from the team.", name=name), "success")
            if leaving_self and not can_view_project(current_user, project):
                return redirect(url_for("projects.index"))
            return _back(project)
    return render_template("teams/remove.html", project=project, member=member, form=form,
                           role_titles=services.ROLE_TITLES), (422 if form.form_errors else 200)
