from shangpin.cli import main

main()
