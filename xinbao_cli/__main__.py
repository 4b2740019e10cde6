from xinbao_cli import main

main()
