#!/usr/bin/env bash
# The Python original's current clients, unmodified from PyPI, for our test suite:
#   - chatlabs-aiogram-support 0.2.0 (the bot): a venv that imports `support.dialogs.api`;
#   - chatlabs-django-support 1.2.0 (the manager page): its static JS and template, unpacked.
# Both wheels install a top-level module named `support`, so each gets its own place.
#
# Idempotent: the wheels are downloaded once into a cache (pip's cache as well), and the venv
# and the unpacked page are made again only when missing. Prints the variable the tests read:
#   SUPPORT_TEST_ORIGINAL_DIR=<dir>   (tests that need the clients skip without it, and fail
#                                      with it set when something below is missing)
# Env knobs: SUPPORT_ORIGINAL_CACHE (default $HOME/.cache/chatlabs-support-original).
set -euo pipefail
CACHE=${SUPPORT_ORIGINAL_CACHE:-$HOME/.cache/chatlabs-support-original}
BOT_VERSION=0.2.0
PAGE_VERSION=1.2.0
mkdir -p "$CACHE/wheels"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The bot: its wheel and every dependency's, kept in the cache, then installed from it.
if [[ ! -f "$CACHE/bot-$BOT_VERSION/.installed" ]]; then
    python3 -m pip download -q -d "$CACHE/wheels" "chatlabs-aiogram-support==$BOT_VERSION"
    rm -rf "$CACHE/bot-$BOT_VERSION"
    python3 -m venv "$CACHE/bot-$BOT_VERSION"
    "$CACHE/bot-$BOT_VERSION/bin/pip" install -q --no-index --find-links "$CACHE/wheels" \
        "chatlabs-aiogram-support==$BOT_VERSION"
    "$CACHE/bot-$BOT_VERSION/bin/python" -c 'import support.dialogs.api' \
        || { echo "chatlabs-aiogram-support $BOT_VERSION does not import" >&2; exit 1; }
    "$CACHE/bot-$BOT_VERSION/bin/pip" freeze > "$CACHE/bot-$BOT_VERSION/freeze.txt"
    touch "$CACHE/bot-$BOT_VERSION/.installed"
fi

# The page: only its files are needed (it runs in the browser against our server), so the wheel
# alone, without Django, unpacked.
if [[ ! -f "$CACHE/page-$PAGE_VERSION/.unpacked" ]]; then
    python3 -m pip download -q --no-deps -d "$CACHE/wheels" "chatlabs-django-support==$PAGE_VERSION"
    rm -rf "$CACHE/page-$PAGE_VERSION"
    mkdir -p "$CACHE/page-$PAGE_VERSION"
    python3 - "$CACHE/wheels" "$CACHE/page-$PAGE_VERSION" "$PAGE_VERSION" <<'PY'
import pathlib, sys, zipfile
wheels, out, version = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
wheel = next(wheels.glob(f"chatlabs_django_support-{version}-*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(("support/static/", "support/templates/")):
            z.extract(name, out)
PY
    test -f "$CACHE/page-$PAGE_VERSION/support/static/support/js/index.js"
    touch "$CACHE/page-$PAGE_VERSION/.unpacked"
fi

echo "SUPPORT_TEST_ORIGINAL_DIR=$CACHE"
