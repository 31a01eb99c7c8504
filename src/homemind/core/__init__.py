"""The small core every feature plugs into: home model, state, events, backend seam."""
