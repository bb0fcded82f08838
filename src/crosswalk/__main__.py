from crosswalk.cli.app import main

main()
