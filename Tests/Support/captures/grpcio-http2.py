# Made grpcio-http2.pcap: `tcpdump -i lo -w x.pcap tcp` while this ran, then `tcpdump -r x.pcap -w grpcio-http2.pcap "tcp port 36053"`.
# A real HTTP/2 stack (grpcio) making three unary calls on loopback: what Dubbo 3 Triple looks like on the wire.
# tshark counts 953 TCP payload bytes and one HTTP/2 client preface (http2.magic) in it.
import grpc, threading, time
from concurrent import futures
def handler(req, ctx): return b"pong:" + req
class G(grpc.GenericRpcHandler):
    def service(self, d):
        return grpc.unary_unary_rpc_method_handler(handler, request_deserializer=None, response_serializer=None)
s = grpc.server(futures.ThreadPoolExecutor(2)); s.add_generic_rpc_handlers((G(),)); port = s.add_insecure_port("127.0.0.1:0"); s.start()
print(port, flush=True)
time.sleep(1.0)
ch = grpc.insecure_channel(f"127.0.0.1:{port}")
f = ch.unary_unary("/org.apache.dubbo.Demo/sayHello")
for i in range(3): print(f(b"x"*10))
ch.close(); time.sleep(0.3); s.stop(0)
