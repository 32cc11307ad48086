import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationProblem } from '@eda/platform';
import { isValidSku } from '../domain/product.aggregate';

/** A path sku that could never exist is bad input (400), not an unknown product (404). */
@Injectable()
export class ParseSkuPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidSku(value)) throw new ValidationProblem({ sku: ['sku must be 1-64 letters, digits, _ . - (not first)'] });
    return value;
  }
}
