"""Entry point of `pulumi up`: builds the stack's platform from Pulumi.<stack>.yaml."""

from components.program import run

run()
