"""The knowledge base: ingest documents, search passages, suggest them during a conversation.

- ``ingest.ingest(kb, paths)``: Markdown, text, HTML, PDF and ABCD guidelines JSON,
  upserted by content hash (unchanged: nothing written; changed: replaced; removed: deleted).
- ``store.KnowledgeBase``: a chromadb collection (server by URL or local dir) with our
  own embeddings; ``search(query, filters, k)`` returns ``Passage`` objects.
- ``suggest.suggest_for(package, kb, k)``: knowledge, commitments, recent facts and a
  frustration alert, each with a stable id; ``FeedbackRecord`` for the desktop's feedback.
- ``cli.register_cli(subparsers)``: ``handoff kb ingest`` and ``handoff kb search``.
"""
