"""`python -m usage_reports` and the `usage-reports` console script."""

import sys


def main() -> int:
    print("usage-reports: the command line arrives with the facade", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
