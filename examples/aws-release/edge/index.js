// The shop's edge Worker: answers its health check, and everything else from the origin.
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/edge/health") return new Response("ok");
    return fetch(request);
  },
};
