"""Text layer: segmentation (an owned jieba.Tokenizer) and themes (dictionary + TF-IDF + clusters).
Depends on ``compare.core`` and ``compare.ingest``."""
