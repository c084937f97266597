"""``python -m entcore``: the same as the ``entcore`` command."""

from entcore.cli import main

main(prog_name="entcore")
