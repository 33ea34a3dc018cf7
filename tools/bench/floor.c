/* tools/bench/floor.c: the floor under the server's start-up time and idle
 * memory. tools/bench/run links it against the same shared libraries as the
 * server (cpp-httplib, yaml-cpp, OpenSSL, libstdc++), whose loading,
 * relocation and initializers (cpp-httplib's runs OPENSSL_init_ssl) every
 * process of that stack pays; then it only listens on --mcp-port and answers
 * each connection with an empty 200, as startup.py expects. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int port = -1;
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--mcp-port") == 0)
      port = atoi(argv[i + 1]);
  if (port < 0)
    return 2;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 16) != 0)
    return 1;
  static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  for (;;) {
    int connection = accept(listener, NULL, NULL);
    if (connection < 0)
      continue;
    char request[4096];
    if (read(connection, request, sizeof request) > 0 &&
        write(connection, answer, sizeof answer - 1) < 0)
      return 1;
    close(connection);
  }
}
