import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, Matches } from 'class-validator';

export class RegisterUserDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsEmail() @Length(3, 254)
  email: string;

  @ApiProperty({ example: 'ada', description: '3-32 characters: letters, digits, _ . - (not first)' })
  @IsString() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{2,31}$/, { message: 'username must be 3-32 letters, digits, _ . - (not first)' })
  username: string;

  @ApiProperty({ example: 'Ada', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'firstName must not be blank' })
  firstName: string;

  @ApiProperty({ example: 'Lovelace', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'lastName must not be blank' })
  lastName: string;
}
