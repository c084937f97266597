"""French HTML pages from Jinja2 templates: the ENT's own folder first, then entcore's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

#: French titles and texts of the error pages, by HTTP status.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("Requête invalide", "La demande envoyée n'a pas pu être comprise."),
    403: (
        "Accès refusé",
        "Vous n'avez pas accès à cette page, ou le formulaire a expiré : "
        "rechargez la page et recommencez.",
    ),
    404: ("Page introuvable", "La page demandée n'existe pas ou a été déplacée."),
    405: ("Méthode non autorisée", "Cette page ne peut pas être utilisée de cette façon."),
    500: (
        "Erreur du serveur",
        "Une erreur est survenue de notre côté. Réessayez dans quelques instants ; "
        "si elle persiste, prévenez l'administrateur de l'ENT.",
    ),
    503: (
        "Service indisponible",
        "Le service est momentanément indisponible. Réessayez plus tard.",
    ),
}


def environment(templates_dir: Path | None) -> jinja2.Environment:
    """Templates searched in ``templates_dir`` (the ENT's overrides) first, then in entcore's."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("entcore.web", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` rendered with ``context``, the CSRF token and the signed-in session.

    Every page gets ``csrf_token`` (to put in a hidden field of each form),
    ``session`` (or ``None``) and ``base_path`` (the path prefix of
    ``[web] base_url``).
    """
    state = request.app.state
    env: jinja2.Environment = state.templates
    values = {
        "csrf_token": request.state.csrf_token,
        "session": getattr(request.state, "session", None),
        "base_path": state.base_path,
        **context,
    }
    html = env.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers=_PAGE_HEADERS)


#: Pages are never cached (they carry tokens) and never framed (clickjacking of the forms).
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def error_page(request: Request, status_code: int) -> HTMLResponse:
    """The French error page of ``status_code``."""
    title, text = ERRORS.get(status_code, ERRORS[500])
    return render(request, "error.html", status_code, title=title, text=text, status=status_code)
