from duckshred.cli.app import main

main()
