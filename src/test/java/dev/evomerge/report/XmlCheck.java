package dev.evomerge.report;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/** Parses generated SVG/HTML with the JDK's XML parser (strict well-formedness) and finds elements in it. */
final class XmlCheck {
    private XmlCheck() {
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            var builder = f.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + xml, e);
        }
    }

    /** All elements with the given local name. */
    static List<Element> elements(Document doc, String name) {
        NodeList nodes = doc.getElementsByTagNameNS("*", name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    /** Elements with the given local name whose class attribute is {@code cls}. */
    static List<Element> byClass(Document doc, String name, String cls) {
        return elements(doc, name).stream().filter(e -> e.getAttribute("class").equals(cls)).toList();
    }

    /** Text content of the elements with the given local name and class. */
    static List<String> texts(Document doc, String name, String cls) {
        return byClass(doc, name, cls).stream().map(Element::getTextContent).toList();
    }
}
