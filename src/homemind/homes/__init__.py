"""Home files that ship with homemind (the demo home)."""
