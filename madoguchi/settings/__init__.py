"""Settings: `base` is shared; `dev` (demo, default), `test` and `production` choose the rest."""
