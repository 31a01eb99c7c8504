# Sourced by scripts/demo and scripts/test: create ./.venv and install homemind into it.
# Re-running is cheap: pip only installs when pyproject.toml changed since the last run.
PYTHON="${PYTHON:-python3}"
EXTRAS="${HOMEMIND_EXTRAS:-}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.homemind-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  python -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}"
  touch "$stamp"
fi
