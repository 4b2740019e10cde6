"""资信红绿灯: the buyer registry, rating and search. No Flask, no WeChat."""
