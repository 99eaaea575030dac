"""Views of the learning blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from agencies import access
from core.pagination import paginate
from extensions import db
from learning import learning_bp, operations
from learning.forms import ThemeForm
from learning.models import LearningTheme

# --- learning themes (admin) -------------------------------------------------------------


def theme_for_admin(user, theme_id: int) -> LearningTheme | None:  # type: ignore[no-untyped-def]
    return db.session.get(LearningTheme, theme_id) if access.is_admin(user) else None


@learning_bp.get("/themes")
@access.allow(access.is_admin)
def list_themes():  # type: ignore[no-untyped-def]
    page = paginate(db.select(LearningTheme).order_by(LearningTheme.active.desc(), LearningTheme.position,
                                                      LearningTheme.name), per_page=50)
    return render_template("learning/themes/list.html", page=page)


@learning_bp.route("/themes/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_theme():  # type: ignore[no-untyped-def]
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = operations.create_theme(form.name.data, bool(form.active.data))
        except operations.DuplicateThemeError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{theme.name} added", "success")
            return redirect(url_for("learning.list_themes"))
    return render_template("learning/themes/form.html", form=form, theme=None)


@learning_bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@access.load("theme_id", theme_for_admin)
def edit_theme(theme: LearningTheme):  # type: ignore[no-untyped-def]
    form = ThemeForm(data={"name": theme.name, "active": theme.active})
    if form.validate_on_submit():
        try:
            operations.update_theme(theme, name=form.name.data, active=bool(form.active.data))
        except operations.DuplicateThemeError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{theme.name} saved", "success")
            return redirect(url_for("learning.list_themes"))
    return render_template("learning/themes/form.html", form=form, theme=theme)
