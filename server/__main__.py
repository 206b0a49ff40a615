import sys

from server.cli import main

if __name__ == "__main__":  # not when a spawned child (the embedding process) re-imports it
    sys.exit(main())
