"""Understanding what exporters type: a knowledge base in files, ranked with the services'
intents, unanswered questions kept as gaps. No Flask, no WeChat."""
