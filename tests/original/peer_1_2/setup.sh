#!/usr/bin/env bash
# Reference peer setup: chatlabs-django-support==1.2.0 (PyPI; top-level module
# `support`) in a generated Django project, configured as its README says.
# Modelled on shared/reference/django_peer/setup.sh (the 0.1.5 peer).
#
# Idempotent: the venv is created once; the project and a FRESH SQLite
# database are regenerated every time (recordings start from identical state).
# Refuses to run while the peer is running.
#
# Env knobs:
#   REFPEER12_STATE (default $HOME/.cache/chatlabs-support-peer-1.2: venv, project, pid, log)
#   REFPEER12_VENV  (default $REFPEER12_STATE/venv)
#   REFPEER12_PROJ  (default $REFPEER12_STATE/proj)
#   REFPEER12_DEBUG (default 0; 1 => Django DEBUG=True)
#
# Start-up notes (fixes needed relative to the package README; same two as 0.1.5):
#   W1: the README's asgi.py sets DJANGO_SETTINGS_MODULE to 'example.settings'
#       (and only after `from support import ...`); we set 'django_project.settings'
#       first thing.
#   W2: support.get_asgi_application() imports support.routing (-> consumers ->
#       models) BEFORE it calls django.core.asgi.get_asgi_application(), so the
#       as-documented asgi.py dies with AppRegistryNotReady("Apps aren't loaded
#       yet."). Fix: call django.setup(set_prefix=False) before calling it.
#   The as-documented asgi.py is kept as django_project/asgi_as_documented.py and
#   its import result is logged to asgi_as_documented.result.
#   * The README does not list 'rest_framework' or 'django_filters' in
#     INSTALLED_APPS; both are left out, as in the 0.1.5 peer (JSON answers
#     do not need them; DRF's browsable HTML renderer would).
#   * The manager page (/support/manager/) redirects to /admin/login/, so
#     django.contrib.admin stays installed and routed (startproject default).
set -euo pipefail
STATE=${REFPEER12_STATE:-$HOME/.cache/chatlabs-support-peer-1.2}
mkdir -p "$STATE"

VENV=${REFPEER12_VENV:-$STATE/venv}
PROJ=${REFPEER12_PROJ:-$STATE/proj}
DEBUG_FLAG=${REFPEER12_DEBUG:-0}
PIDFILE=${REFPEER12_PIDFILE:-$STATE/daphne.pid}
HERE=$(cd "$(dirname "$0")" && pwd)
# Telegram-user seeding script (a copy of the 0.1.5 peer's; it imports only myapp).
TG=${REFPEER12_TG_SCRIPT:-$HERE/create_tg_users.py}
[[ -f "$TG" ]] || { echo "create_tg_users.py not found (set REFPEER12_TG_SCRIPT)" >&2; exit 1; }

if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "peer is running (pid $(cat "$PIDFILE")); run stop.sh first" >&2
    exit 1
fi

# ---------------------------------------------------------------- venv
PYTHON=${REFPEER12_PYTHON:-python3}   # the package needs Python >= 3.11
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.installed-v1"
if [[ ! -f "$STAMP" ]]; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q 'chatlabs-django-support==1.2.0' daphne websockets aiohttp
    "$VENV/bin/pip" freeze > "$VENV/.freeze.txt"
    touch "$STAMP"
fi
PY="$VENV/bin/python"

# ---------------------------------------------------------------- project
rm -rf "$PROJ"
mkdir -p "$PROJ"
cd "$PROJ"
"$VENV/bin/django-admin" startproject django_project .
"$PY" manage.py startapp myapp

cat > myapp/models.py <<'EOF'
from django.db import models


class MyUser(models.Model):
    telegram_id = models.BigIntegerField(
        primary_key=True,
        unique=True,
    )
EOF

"$PY" - "$DEBUG_FLAG" <<'EOF'
import re, sys
debug = sys.argv[1] == '1'
p = 'django_project/settings.py'
s = open(p).read()
s = s.replace("INSTALLED_APPS = [\n",
              "INSTALLED_APPS = [\n    'daphne',\n    'channels',\n", 1)
s = s.replace("    'django.contrib.staticfiles',\n]",
              "    'django.contrib.staticfiles',\n    'myapp',\n    'support',\n]", 1)
s = re.sub(r"^DEBUG = .*$", f"DEBUG = {debug}", s, flags=re.M)
s = re.sub(r"^ALLOWED_HOSTS = .*$", "ALLOWED_HOSTS = ['127.0.0.1', 'localhost']", s, flags=re.M)
s += '''

# ---- chatlabs-django-support README settings ----
ASGI_APPLICATION = 'django_project.asgi.application'

CHANNEL_LAYERS = {
    'default': {
        'BACKEND': 'channels.layers.InMemoryChannelLayer',
    },
}

SUPPORT_TELEGRAM_USER_MODEL = 'myapp.MyUser'

# ---- harness additions (not in README) ----
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'WARNING'},
}
'''
open(p, 'w').write(s)
EOF

# asgi.py exactly as the README documents it (kept for the record; it does not start) ...
cat > django_project/asgi_as_documented.py <<'EOF'
import os

from support import get_asgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'example.settings')

application = get_asgi_application()
EOF

# ... and the minimally fixed one that is actually served.
cat > django_project/asgi.py <<'EOF'
import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'django_project.settings')  # W1

import django  # noqa: E402

django.setup(set_prefix=False)  # W2: must run before support.get_asgi_application() imports the routing

from support import get_asgi_application  # noqa: E402

application = get_asgi_application()
EOF

cat > django_project/urls.py <<'EOF'
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path('admin/', admin.site.urls),
    path('support/', include('support.urls')),
]
EOF

(
    cd "$PROJ"
    env -u DJANGO_SETTINGS_MODULE "$PY" -c 'import django_project.asgi_as_documented' \
        > "$PROJ/asgi_as_documented.log" 2>&1 && echo "as-documented asgi.py: IMPORT OK" \
        || echo "as-documented asgi.py (no DJANGO_SETTINGS_MODULE in env): IMPORT FAILED: $(tail -1 "$PROJ/asgi_as_documented.log")"
    DJANGO_SETTINGS_MODULE=django_project.settings "$PY" -c 'import django_project.asgi_as_documented' \
        > "$PROJ/asgi_as_documented2.log" 2>&1 && echo "as-documented asgi.py (DJANGO_SETTINGS_MODULE=django_project.settings): IMPORT OK" \
        || echo "as-documented asgi.py (DJANGO_SETTINGS_MODULE=django_project.settings): IMPORT FAILED: $(tail -1 "$PROJ/asgi_as_documented2.log")"
) | tee "$PROJ/asgi_as_documented.result"

# ---------------------------------------------------------------- database
"$PY" manage.py makemigrations myapp -v 0
"$PY" manage.py migrate -v 0
"$PY" manage.py check

DJANGO_SUPERUSER_PASSWORD=manager-pass "$PY" manage.py createsuperuser \
    --noinput --username manager --email manager@example.com
"$PY" manage.py shell <<'EOF'
from django.contrib.auth.models import User
u = User.objects.create_user('manager2', 'manager2@example.com', 'manager2-pass')
u.is_staff = True          # staff, NOT superuser
u.save()
u = User.objects.create_user('plainuser', 'plain@example.com', 'plainuser-pass')  # not staff
for u in User.objects.order_by('pk'):
    print(f'django user pk={u.pk} username={u.username} staff={u.is_staff} super={u.is_superuser}')
EOF

"$PY" "$TG" --proj "$PROJ" 1001 1002 1003 1004 1005 9007199254740993 9223372036854775807
"$PY" "$TG" --proj "$PROJ" --range 5000 5099
"$PY" "$TG" --proj "$PROJ" --range 100000 100300
"$PY" "$TG" --proj "$PROJ" 200000
"$PY" "$TG" --proj "$PROJ" --range 900000 900050

echo "setup done: venv=$VENV project=$PROJ debug=$DEBUG_FLAG"
