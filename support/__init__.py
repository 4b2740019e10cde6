"""Conversations with a person: hand-off tickets (人工客服) and expert questions (大师课).

A ticket holds what the follower wrote and what staff answered; staff answers reach the follower
as customer-service messages inside WeChat's 48-hour window and as a template message after it
(``wechat.delivery``). No Flask, no WeChat.
"""
