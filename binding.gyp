{
  "targets": [
    {
      "target_name": "gingham_setns",
      "sources": ["native/setns.c"]
    }
  ]
}
