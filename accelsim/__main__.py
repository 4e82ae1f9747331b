from accelsim.cli import main

main()
