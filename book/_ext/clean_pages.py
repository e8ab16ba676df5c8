"""Sphinx extension: pages without console errors or frozen widgets.

Widgets respond only in a live kernel (Jupyter, Colab). When myst-nb executes a
notebook with a widget, it embeds the widget's state in the page, where it
could only pretend to respond; the book shows static figures instead, so each
page drops that state.

Two things in the stock Jupyter Book 1 stack make every page log an error in the
browser console:

- sphinx-thebe adds its inline configuration script once per read of the
  environment, so a page can carry ``const THEBE_JS_URL = ...`` twice, and the
  second declaration is a ``SyntaxError``. Each page keeps the first copy of
  every script.
- pydata-sphinx-theme reads the colour mode from local storage, falling back to
  the template variable ``default_mode``, which Jupyter Book leaves empty ("Got
  invalid theme mode"). The book's figures have white backgrounds, so the
  default is ``light``; readers can still switch.
"""


def set_default_mode(app, pagename, templatename, context, doctree):
    if not context.get("default_mode"):
        context["default_mode"] = "light"


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def drop_repeated_scripts_and_widget_state(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:                 # the copies differ only in filename None versus ""
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen and script.attributes.get("type") != WIDGET_STATE:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", set_default_mode)
    # after myst-nb's own handler (priority 500), which adds the page's widget state
    app.connect("html-page-context", drop_repeated_scripts_and_widget_state, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
