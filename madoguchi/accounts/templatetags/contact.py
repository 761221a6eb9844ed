"""`{% load contact %}`: residents' contact details and names as the viewer may see them (docs/security.md).

* `{% contact obj "phone" %}` — the value for holders of `accounts.view_full_contact`; for everyone else the masked
  value (`lib.masking`) and a 「表示」 button that reveals it through the audited `accounts:reveal` view (htmx; a
  plain form post without JavaScript). The model must be registered with `accounts.reveal.reveal_register`.
* `{% if perms.accounts.view_resident_names %}` decides names and birth dates (floor staff see neither).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from madoguchi.accounts.reveal import FULL_CONTACT_PERMISSION, field_label, masked, reveal_dom_id, revealable

register = template.Library()


@register.simple_tag(takes_context=True)
def contact(context: template.Context, obj: Any, field: str, empty: str = "—") -> str | SafeString:
    value = str(getattr(obj, field, "") or "")
    if not value:
        return empty
    request = context["request"]
    if request.user.has_perm(FULL_CONTACT_PERMISSION):
        return value  # escaped by the template engine
    key = obj._meta.label_lower
    entry = revealable(key)
    if entry is None or field not in entry.fields:
        raise template.TemplateSyntaxError(f"{key}.{field} is not registered with reveal_register")
    return render_to_string(
        "accounts/_masked.html",
        {
            "masked": masked(field, value),
            "label": field_label(obj, field),
            "url": reverse("accounts:reveal", args=[key, obj.pk, field]),
            "dom_id": reveal_dom_id(key, obj.pk, field),
            "can_reveal": request.user.has_perm(entry.permission),
        },
        request=request,
    )
