"""`python -m llmstream`: the `llmstream` command line (see docs/cli.md)."""

from llmstream._cli import main

raise SystemExit(main())
