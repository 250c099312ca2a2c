"""Small hand-made IATI 2.03 documents for the registry tests."""
# ruff: noqa: E501

from __future__ import annotations

ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-01-01T00:00:00Z"
    xmlns:ext="http://example.org/aibridge-ext">
 <iati-activity default-currency="USD" xml:lang="en" last-updated-datetime="2025-01-01T00:00:00Z"
     humanitarian="0" ext:flag="kept">
  <iati-identifier>XM-DAC-41114-AI-001</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>AI skills for Kenya</narrative><narrative xml:lang="fr">Compétences IA</narrative></title>
  <description type="1"><narrative>Training public servants in AI.</narrative></description>
  <participating-org ref="XM-DAC-41114" role="1" type="40"><narrative>UNDP</narrative></participating-org>
  <participating-org role="4" type="10" activity-id="KE-GOV-1"><narrative>ICT Authority</narrative></participating-org>
  <other-identifier ref="ABC123" type="A1"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <activity-date type="3" iso-date="2026-12-31"><narrative>planned end</narrative></activity-date>
  <contact-info type="1"><organisation><narrative>UNDP Kenya</narrative></organisation></contact-info>
  <recipient-country code="KE" percentage="100.0"/>
  <location ref="NBO"><name><narrative>Nairobi</narrative></name></location>
  <sector vocabulary="1" code="11330" percentage="60"/>
  <sector vocabulary="1" code="22040" percentage="40"/>
  <budget type="1" status="1">
   <period-start iso-date="2025-01-01"/><period-end iso-date="2025-12-31"/>
   <value currency="USD" value-date="2025-01-01">250000.50</value>
  </budget>
  <transaction ref="T1">
   <transaction-type code="2"/>
   <transaction-date iso-date="2025-02-01"/>
   <value currency="USD" value-date="2025-02-01">100000</value>
   <description><narrative>Commitment</narrative></description>
   <provider-org ref="XM-DAC-41114" provider-activity-id="XM-DAC-41114-AI-001"><narrative>UNDP</narrative></provider-org>
   <receiver-org type="10"><narrative>ICT Authority</narrative></receiver-org>
   <flow-type code="10"/>
  </transaction>
  <document-link format="application/pdf" url="https://example.org/doc.pdf">
   <title><narrative>Project document</narrative></title><category code="A02"/>
  </document-link>
  <result type="1" aggregation-status="1">
   <title><narrative>Civil servants trained</narrative></title>
   <indicator measure="1" ascending="1">
    <title><narrative>Number trained</narrative></title>
    <baseline year="2024" value="0"/>
    <period><period-start iso-date="2025-01-01"/><period-end iso-date="2025-12-31"/>
     <target value="500"/><actual value="320"/></period>
   </indicator>
  </result>
  <ext:note>extension element, kept verbatim</ext:note>
 </iati-activity>
</iati-activities>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&lol4;</iati-identifier></iati-activity></iati-activities>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&xxe;</iati-identifier></iati-activity></iati-activities>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE iati-activities SYSTEM "http://example.invalid/evil.dtd">
<iati-activities version="2.03"/>
"""
