from aibridge.cli.main import run

run()
