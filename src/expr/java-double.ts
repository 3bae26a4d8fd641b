/**
 * A `DOUBLE` or `FLOAT` property's value. WSO2 keeps such a property as a java.lang.Double (or Float),
 * so reading it back as text gives Java's form, "2.0" and "1.0E7", where an `INTEGER` property's 2
 * reads "2"; and in an XPath expression it is a number, so `$ctx:p = '2'` compares numerically and
 * `concat($ctx:p, '')` is XPath's "2". A JavaScript number cannot carry that difference, hence this
 * holder: `String()` writes it as Java does, `Number()` and arithmetic read its number, and the
 * readers that hand values on (XPath, scripts, MI 4.4's expressions, the message stores) know it.
 */
import { javaDouble } from './string-value.ts';

export class JavaDouble {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  toString(): string {
    return javaDouble(this.value);
  }

  toJSON(): number {
    return this.value;
  }
}
