{
  "targets": [
    {
      "target_name": "osgit_native",
      "sources": ["native/osgit_native.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
