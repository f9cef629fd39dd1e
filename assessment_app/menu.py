"""The top menu for each role, and which of its sections a page belongs to (GOV.UK service
navigation: the current section is marked, and the link to the page itself is the current page).
"""

# role: [(label, endpoint, path prefixes of the section's other pages)]
MENU = {
    "participant": [("Your assessments", "participant.home", ("/assessments/",))],
    "marker": [("Marking", "marker.home", ("/marking/",)),
               ("Authenticator app", "auth.second_factor_setup", ("/account/",))],
    "admin": [
        ("Windows", "admin.home", ("/admin/windows/", "/admin/misconduct/", "/admin/entries/")),
        ("People", "admin.people", ("/admin/people", "/admin/participants/",
                                    "/admin/extensions/")),
        ("Papers", "admin.paper_bank", ("/admin/papers",)),
        ("Markers", "admin.markers", ("/admin/markers",)),
        ("Requests", "admin.requests", ("/admin/requests", "/admin/claims/", "/admin/deferrals/",
                                        "/admin/reviews/")),
        ("Engagement", "admin.engagement", ("/admin/engagement",)),
        ("Audit log", "admin.audit_log", ("/admin/audit",)),
        ("Email", "admin.mail_set_aside", ("/admin/mail",)),
        ("DfE", "admin.dfe", ("/admin/dfe",)),
        ("Sign-in", "admin.sign_in_rules", ("/admin/sign-in",)),
    ],
}
MENU["moderator"] = MENU["marker"]


def aria_current(path: str, link: str, prefixes: tuple[str, ...]) -> str | None:
    """"page" on the link to this very page, "true" on its section's, else None."""
    if path == link:
        return "page"
    return "true" if path.startswith(prefixes) else None
