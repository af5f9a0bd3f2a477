import com.caucho.hessian.io.Hessian2Output;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.TreeMap;
import org.apache.dubbo.metadata.MetadataInfo;

/**
 * Prints, as hex on two lines, the hessian2 request and response bodies of one MetadataService.getMetadataInfo
 * call, encoded by Caucho's Hessian2Output in the order Dubbo's DubboCodec writes them.
 *
 * Usage: DubboBodies APPLICATION REVISION TRIPLE_PORT SERVICE...
 */
public class DubboBodies {
    public static void main(String[] args) throws IOException {
        String app = args[0];
        String revision = args[1];
        int triplePort = Integer.parseInt(args[2]);

        ByteArrayOutputStream request = new ByteArrayOutputStream();
        Hessian2Output out = new Hessian2Output(request);
        out.writeString("2.0.2");
        out.writeString("org.apache.dubbo.metadata.MetadataService");
        out.writeString("1.0.0");
        out.writeString("getMetadataInfo");
        out.writeString("Ljava/lang/String;");
        out.writeString(revision);
        TreeMap<String, String> attachments = new TreeMap<>();
        attachments.put("path", "org.apache.dubbo.metadata.MetadataService");
        attachments.put("interface", "org.apache.dubbo.metadata.MetadataService");
        attachments.put("version", "1.0.0");
        attachments.put("group", app);
        out.writeObject(attachments);
        out.flush();

        MetadataInfo info = new MetadataInfo(app, revision);
        for (int index = 3; index < args.length; index++) {
            info.add(new MetadataInfo.ServiceInfo(args[index], null, null, "dubbo", 20880));
            info.add(new MetadataInfo.ServiceInfo(args[index], null, null, "tri", triplePort));
        }
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        out = new Hessian2Output(response);
        out.writeInt(1); // RESPONSE_VALUE
        out.writeObject(info);
        out.flush();

        System.out.println(hex(request.toByteArray()));
        System.out.println(hex(response.toByteArray()));
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) text.append(String.format("%02x", b));
        return text.toString();
    }
}
