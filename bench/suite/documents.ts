import type { DocumentBody } from '@lt/contracts';

/**
 * Document bodies of a realistic size: edXML header fields with Vietnamese text, about 2 KB once
 * signed (the JWS base64url-encodes the envelope). Every document gets its own Decree 30 number,
 * so the router's duplicate-number register never flags (and never publishes an extra event).
 */
let serial = 0;
const RUN = Math.floor(Math.random() * 9_000) + 1_000;

export function documentBody(note: string): DocumentBody {
  serial++;
  return {
    code: { codeNumber: `${RUN}${String(serial).padStart(7, '0')}`, codeNotation: 'UBND-VP' },
    subject: `Về việc triển khai thử nghiệm trục liên thông văn bản quốc gia (${note}, số ${serial})`.padEnd(300, '.'),
    content: 'Nội dung tóm tắt: đề nghị các cơ quan, đơn vị phối hợp thực hiện, báo cáo kết quả trước ngày 30 hằng tháng.'.padEnd(420, '.'),
    documentType: { type: 1, typeName: 'Công văn' },
    promulgationInfo: { place: 'Nghệ An', promulgationDate: new Date().toISOString().slice(0, 10) },
    signerInfo: { competence: 'KT. CHỦ TỊCH', position: 'Phó Chủ tịch', fullName: 'Nguyễn Văn An' },
    toPlaces: ['Như trên', 'Lưu: VT, VP'],
    otherInfo: { priority: 0, pageAmount: 2, promulgationAmount: 10 },
    steeringType: 0,
  };
}

/**
 * The router bench's document (about 2 KB signed, a given Decree 30 number): the in-process
 * benches (router.bench, hot-path.bench) share it so their per-document figures compare.
 */
export function numberedDocumentBody(codeNumber: string, i: number): DocumentBody {
  return {
    code: { codeNumber, codeNotation: 'UBND-VP' },
    subject: `Về việc triển khai thử nghiệm trục liên thông văn bản, số ${i}. `.padEnd(480, 'x'),
    content: 'Nội dung tóm tắt của văn bản. '.padEnd(480, 'y'),
    documentType: { type: 1, typeName: 'Công văn' },
    promulgationInfo: { place: 'Nghệ An', promulgationDate: new Date().toISOString().slice(0, 10) },
    signerInfo: { competence: 'KT. CHỦ TỊCH', position: 'Phó Chủ tịch', fullName: 'Nguyễn Văn A' },
    toPlaces: ['Như trên', 'Lưu: VT'],
    otherInfo: { priority: 0, pageAmount: 2, promulgationAmount: 10 },
  };
}
